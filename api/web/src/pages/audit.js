// The auditor's page: a journal page as of a chosen moment beside today's (differing cells
// marked), a cell's history, and an entry's inclusion proof under a signed checkpoint, verified in
// the browser (verify.js).
import { fromBinary } from "@bufbuild/protobuf";
import { LedgerEntrySchema } from "gen/ejournal/v1/ledger_pb.js";
import { JournalPageViewSchema, CellHistoryViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, fail, main, ruleText, credentialKind, byRu } from "../ui.js";
import { addDays, isoOf, localInput, fmtDateTime, fmtDate } from "../dates.js";
import { api, read, S } from "../session.js";
import { go } from "../router.js";
import { pickLoad, loadPicker, journalPath, showHistory } from "../widgets.js";
import { gridTable, cellText } from "../grid.js";
import { verifyInclusion } from "../verify.js";

export async function auditPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Аудит"));
  const sel = pickLoad(params);
  let shown = null;  // the journal page shown, whose lessons and students the cell history offers
  if (sel) {
    m.append(el("h2", {}, "Страница журнала на момент и сейчас"), loadPicker("audit", sel, { at: params.get("at") || "" }));
    const now = await read(JournalPageViewSchema, journalPath(sel.load, sel.term));
    shown = now;
    const at = params.get("at") || "";
    const atInput = el("input", { type: "datetime-local", id: "as-of", value: at, step: 1,
      "aria-label": "На момент" });
    const slider = el("input", { type: "range", id: "as-of-slider", min: 0, max: 100, value: 100,
      "aria-label": "Момент: от начала периода до сейчас" });
    const start = now.dates && now.dates.firstDay ? new Date(addDays(isoOf(now.dates.firstDay), 0) + "T00:00").getTime() : Date.now() - 90 * 864e5;
    const end = Date.now();
    if (at) slider.value = String(Math.round(100 * (new Date(at).getTime() - start) / (end - start)));
    slider.onchange = () => {
      const t = new Date(start + (end - start) * Number(slider.value) / 100);
      go("audit", { load: sel.i, term: sel.term, at: localInput(t) });
    };
    atInput.onchange = () => go("audit", { load: sel.i, term: sel.term, at: atInput.value });
    m.append(el("div", { class: "row" }, el("label", {}, "На момент ", atInput), el("label", {}, "Шкала ", slider)));
    const side = el("div", { class: "side" });
    if (at) {
      const us = BigInt(new Date(at).getTime()) * 1000n;
      const then = await read(JournalPageViewSchema, journalPath(sel.load, sel.term) + (sel.load.subgroup_id ? "&" : "?") + "as_of_us=" + us);
      const thenText = new Map();
      for (const r of then.rows || []) for (const c of r.cells || []) thenText.set(r.studentId + "|" + c.lessonId, cellText(c));
      const nowText = new Map();
      for (const r of now.rows || []) for (const c of r.cells || []) nowText.set(r.studentId + "|" + c.lessonId, cellText(c));
      side.append(el("section", { id: "as-of-page" }, el("h2", {}, "На " + fmtDateTime(new Date(at)) + " (запись №" + then.asOfSequence + ")"),
        gridTable(then, { compare: (s, l) => nowText.get(s + "|" + l) || "" })),
      el("section", { id: "now-page" }, el("h2", {}, "Сейчас (запись №" + now.asOfSequence + ")"),
        gridTable(now, { compare: (s, l) => thenText.get(s + "|" + l) || "" })));
    } else {
      side.append(el("section", { id: "now-page" }, el("h2", {}, "Сейчас"), gridTable(now)));
    }
    m.append(side, el("p", { class: "muted" }, "Красным отмечены ячейки, которые отличаются."));
  }
  // Cell history: a lesson (by date and period) and a student (by name) of the page shown.
  const hl = el("select", { id: "hist-lesson", required: true, "aria-label": "Урок" },
    ...(shown ? shown.lessons : []).map((l) => el("option", { value: l.lessonId }, `${fmtDate(l.date, false, true)}, ${l.period} урок`)));
  const hs = el("select", { id: "hist-student", required: true, "aria-label": "Ученик" },
    ...(shown ? [...shown.rows].sort(byRu((r) => r.studentName)) : []).map((r) => el("option", { value: r.studentId }, r.studentName)));
  const hbox = el("div", { id: "hist-out" });
  const hf = el("form", { id: "hist-form" }, el("h2", {}, "История ячейки"),
    el("div", { class: "row" }, el("label", {}, "Урок ", hl), el("label", {}, "Ученик ", hs),
      el("button", { type: "submit" }, "Показать")), hbox);
  hf.onsubmit = async (ev) => {
    ev.preventDefault();
    try { showHistory(hbox, await read(CellHistoryViewSchema, S() + "/lessons/" + hl.value + "/students/" + hs.value + "/history")); }
    catch (e) { fail(e); }
  };
  // Inclusion proof, verified here.
  const seq = el("input", { id: "proof-seq", inputmode: "numeric", required: true, value: "1", "aria-label": "Номер записи" });
  const vbox = el("div", { id: "proof-out", "aria-live": "polite" });
  const pf = el("form", { id: "proof-form" }, el("h2", {}, "Проверка записи по контрольной точке"),
    el("p", { class: "muted" }, "Браузер сам проверяет подпись контрольной точки (Ed25519) и путь " +
      "включения записи в дерево Меркла (SHA-256)."),
    el("div", { class: "row" }, el("label", {}, "Запись № ", seq), el("button", { type: "submit" }, "Проверить")), vbox);
  pf.onsubmit = async (ev) => {
    ev.preventDefault();
    clear(vbox).append(el("p", {}, "Проверяю…"));
    try {
      const n = parseInt(seq.value, 10);
      const vkey = (await (await fetch("/api/v1/ledger/verifier-key")).text()).trim();
      const note = await (await fetch("/api/v1/ledger/checkpoint")).text();
      const entry = await api("/api/v1/ledger/entries/" + n);
      const result = await verifyInclusion({ vkey, note, entry, n,
        proof: (size) => api("/api/v1/ledger/proofs/inclusion?sequence=" + n + "&size=" + size) });
      let decoded = "";
      try {
        const le = fromBinary(LedgerEntrySchema, result.leaf);
        decoded = `запись №${le.sequence}, подписана: ${le.event ? credentialKind(le.event.credentialId) : "?"}`;
      } catch { decoded = ""; }
      clear(vbox).append(el("p", { class: result.ok ? "verdict-ok" : "verdict-bad", id: "verdict" }, result.verdict),
        el("ul", {}, ...result.steps.map((s) => el("li", {}, s)), decoded ? el("li", {}, decoded) : ""));
    } catch (e) {
      clear(vbox).append(el("p", { class: "verdict-bad", id: "verdict" }, "Не проверено: " + ruleText(e)));
    }
  };
  m.append(hf, pf);
}
