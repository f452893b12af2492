// The auditor's page: a journal page as of a chosen moment and today's, one under the other or
// one at a time (a wide page never scrolls sideways: each grid scrolls in its own box), cells that
// differ marked, a legend of the marks' colours, the history of any cell clicked in either grid,
// and an entry's inclusion proof under a signed checkpoint, verified in the browser (verify.js).
import { fromBinary } from "@bufbuild/protobuf";
import { LedgerEntrySchema } from "gen/ejournal/v1/ledger_pb.js";
import { JournalPageViewSchema, CellHistoryViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, main, ruleText, credentialKind, byRu, failAt, clearFail } from "../ui.js";
import { isoOf, localInput, fmtDateTime, fmtDate, instantOf } from "../dates.js";
import { api, read, S } from "../session.js";
import { go, route } from "../router.js";
import { pickLoad, loadPicker, journalPath, showHistory } from "../widgets.js";
import { gridTable, cellText } from "../grid.js";
import { verifyInclusion } from "../verify.js";

export async function auditPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Аудит"));
  const sel = pickLoad(params);
  let shown = null;  // the journal page shown, whose lessons and students the cell history offers
  // The cell history panel: a lesson and a student picked by name, or a cell clicked in a grid (the
  // panel then moves under that grid, where the auditor is looking).
  const hist = historyPanel();
  if (sel) {
    const at = params.get("at") || "";
    // The address keeps the moment and the view chosen, when chosen.
    const given = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v));
    const view = params.get("view") || "";
    m.append(el("h2", {}, "Страница журнала на момент и сейчас"), loadPicker("audit", sel, given({ at, view })));
    const now = await read(JournalPageViewSchema, journalPath(sel.load, sel.term));
    shown = now;
    m.append(momentControls(now, at, (v) => go("audit", given({ load: sel.i, term: sel.term, at: v, view }))));
    const pages = el("div", { id: "audit-pages", class: "audit-pages" });
    const open = (r, l, c, b) => hist.open(r, l, b);
    if (at) {
      const us = BigInt(instantOf(at).getTime()) * 1000n;
      const then = await read(JournalPageViewSchema, journalPath(sel.load, sel.term) + (sel.load.subgroup_id ? "&" : "?") + "as_of_us=" + us);
      const textOf = (page) => {
        const t = new Map();
        for (const r of page.rows || []) for (const c of r.cells || []) t.set(r.studentId + "|" + c.lessonId, cellText(c));
        return t;
      };
      const thenText = textOf(then);
      const nowText = textOf(now);
      pages.append(
        el("section", { id: "as-of-page", "aria-labelledby": "as-of-h" },
          el("h2", { id: "as-of-h" }, "На " + fmtDateTime(instantOf(at)) + " (запись №" + then.asOfSequence + ")"),
          gridTable(then, { idPrefix: "a", onCell: open, compare: (s, l) => nowText.get(s + "|" + l) || "" })),
        el("section", { id: "now-page", "aria-labelledby": "now-h" },
          el("h2", { id: "now-h" }, "Сейчас (запись №" + now.asOfSequence + ")"),
          gridTable(now, { idPrefix: "n", onCell: open, compare: (s, l) => thenText.get(s + "|" + l) || "" })));
      m.append(viewToggle(pages, view || "both"));
    } else {
      pages.append(el("section", { id: "now-page", "aria-labelledby": "now-h" }, el("h2", { id: "now-h" }, "Сейчас"),
        gridTable(now, { idPrefix: "n", onCell: open })));
    }
    m.append(legend(!!at), pages);
  }
  hist.fill(shown);
  m.append(hist.section);
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
  m.append(pf);
}

// The moment of the first page: a datetime-local field (to the second, in the browser's time zone)
// and a slider over the period, from its first day to now, that always show the same moment:
// moving one moves the other and the text beside them; a moment settled for 0.6 s (the slider let
// go, a field filled in) shows the pages as of it. An empty field and the slider at its right end
// mean "now" (no earlier page). `navigate(value)` takes the field's value.
function momentControls(page, at, navigate) {
  const endMs = Date.now();
  const first = page.dates && page.dates.firstDay;
  const startMs = first ? instantOf(isoOf(first) + "T00:00").getTime() : endMs - 90 * 864e5;
  const atMs = at ? instantOf(at).getTime() : endMs;
  const lo = Math.floor(Math.min(startMs, atMs) / 1000);
  const hi = Math.ceil(Math.max(endMs, atMs) / 1000);
  const text = (v) => (v ? fmtDateTime(instantOf(v)) : "сейчас");
  const input = el("input", { type: "datetime-local", id: "as-of", value: at, step: 1, "aria-label": "На момент" });
  const slider = el("input", { type: "range", id: "as-of-slider", min: lo, max: hi, step: 1,
    value: Math.round(atMs / 1000), "aria-label": "Момент: от начала периода до сейчас", "aria-valuetext": text(at) });
  const out = el("output", { id: "as-of-text", for: "as-of as-of-slider" }, text(at));
  let timer = 0;
  const later = () => { clearTimeout(timer); timer = setTimeout(() => navigate(input.value), 600); };
  const fromSlider = () => {
    input.value = localInput(new Date(Number(slider.value) * 1000));
    out.value = text(input.value);
    slider.setAttribute("aria-valuetext", out.value);
  };
  slider.oninput = fromSlider;
  slider.onchange = later;
  // Arrows move an hour, Page Up/Down a day (a step of one second would be no move at all).
  slider.onkeydown = (ev) => {
    const by = { ArrowLeft: -3600, ArrowDown: -3600, ArrowRight: 3600, ArrowUp: 3600, PageDown: -86400, PageUp: 86400 }[ev.key];
    if (!by) return;
    ev.preventDefault();
    slider.value = String(Math.min(hi, Math.max(lo, Number(slider.value) + by)));
    fromSlider();
    later();
  };
  input.oninput = () => {
    const t = input.value ? instantOf(input.value).getTime() : endMs;
    if (Number.isNaN(t)) return;
    slider.value = String(Math.round(t / 1000));
    out.value = text(input.value);
    slider.setAttribute("aria-valuetext", out.value);
  };
  input.onchange = later;
  return el("div", { class: "row moment" }, el("label", {}, "На момент ", input),
    el("label", { class: "slider" }, "Шкала ", slider), el("span", {}, "Показано: ", out));
}

// Both pages one under the other, or one of them: the choice stays in the address (replaced, not
// navigated: nothing is fetched again).
function viewToggle(pages, view) {
  const opts = [["both", "обе, одна под другой"], ["then", "только на момент"], ["now", "только сейчас"]];
  if (!opts.some(([v]) => v === view)) view = "both";
  pages.dataset.view = view;
  return el("fieldset", { id: "audit-view", class: "toggle" }, el("legend", {}, "Показать страницы"),
    ...opts.map(([v, t]) => el("label", { class: "inline" }, el("input", { type: "radio", name: "audit-view", value: v,
      checked: v === view, onchange: () => {
        pages.dataset.view = v;
        const { params } = route();
        params.set("view", v);
        history.replaceState(null, "", "#/audit?" + params);
      } }), " " + t)));
}

// One colour per meaning, each named here.
function legend(compared) {
  const item = (cls, sample, t) => el("li", {}, el("span", { class: "swatch " + cls, "aria-hidden": "true" }, sample), t);
  return el("ul", { class: "legend", id: "audit-legend", "aria-label": "Обозначения" },
    compared && item("diff", "", "ячейка на момент и сейчас различается (голубой фон, синяя рамка)"),
    item("absent-sample", "н", "отсутствие на уроке (красная буква)"),
    item("chosen", "", "ячейка, чья история показана (чёрная рамка)"),
    item("invalid", "", "в истории: запись недействительна по акту (сиреневый фон)"),
    item("superseded", "аб", "в истории: запись заменена более поздней (серый текст)"),
    el("li", { class: "muted" }, "Нажмите на ячейку, чтобы увидеть её историю."));
}

// The cell history: a lesson (by date and period) and a student (by name) of the page shown, or the
// cell clicked in a grid. `section` is the form; `fill(page)` offers the page's lessons and
// students; `open(row, lesson, button)` shows a clicked cell's history under its grid.
function historyPanel() {
  let lessons = [];
  let rows = [];
  const hl = el("select", { id: "hist-lesson", required: true, "aria-label": "Урок" });
  const hs = el("select", { id: "hist-student", required: true, "aria-label": "Ученик" });
  const hbox = el("div", { id: "hist-out", "aria-live": "polite" });
  const form = el("form", { id: "hist-form" }, el("h2", {}, "История ячейки"),
    el("div", { class: "row" }, el("label", {}, "Урок ", hl), el("label", {}, "Ученик ", hs),
      el("button", { type: "submit" }, "Показать")), hbox);
  // The cell's buttons in both grids show it as chosen.
  const choose = (lessonId, studentId) => {
    for (const b of document.querySelectorAll("#audit-pages td.cell button[aria-pressed]")) b.removeAttribute("aria-pressed");
    for (const b of document.querySelectorAll(`#audit-pages td.cell button[data-lesson="${CSS.escape(lessonId)}"][data-student="${CSS.escape(studentId)}"]`)) {
      b.setAttribute("aria-pressed", "true");
    }
  };
  const show = async (lessonId, studentId) => {
    clearFail(form);
    choose(lessonId, studentId);
    const l = lessons.find((x) => x.lessonId === lessonId);
    const r = rows.find((x) => x.studentId === studentId);
    clear(hbox).append(el("p", {}, "Загружаю историю…"));
    try {
      const h = await read(CellHistoryViewSchema, S() + "/lessons/" + encodeURIComponent(lessonId) + "/students/" +
        encodeURIComponent(studentId) + "/history");
      if (!(h.events || []).length) clear(hbox).append(el("p", { class: "muted" }, "Записей об этой ячейке нет."));
      else showHistory(hbox, h);
      // The rows are h.events in order: each one's state by its colour (the legend's).
      const trs = hbox.querySelectorAll("tbody tr");
      (h.events || []).forEach((e, i) => {
        if (!trs[i]) return;
        trs[i].classList.toggle("invalid", !!e.invalid);
        trs[i].classList.toggle("superseded", !e.invalid && !!e.supersededBy);
      });
      const now = cellText(h.current);
      hbox.prepend(el("p", { id: "hist-cell" }, el("b", {}, r ? r.studentName : ""),
        l ? `, ${fmtDate(l.date, false, true)}, ${l.period} урок` : "", ". Сейчас в ячейке: ", now ? el("b", {}, now) : "пусто", "."));
    } catch (e) {
      clear(hbox);
      failAt(form, e);
    }
  };
  form.onsubmit = (ev) => { ev.preventDefault(); show(hl.value, hs.value); };
  return {
    section: form,
    fill(page) {
      lessons = page ? page.lessons || [] : [];
      rows = page ? [...(page.rows || [])].sort(byRu((r) => r.studentName || "")) : [];
      hl.append(...lessons.map((l) => el("option", { value: l.lessonId }, `${fmtDate(l.date, false, true)}, ${l.period} урок`)));
      hs.append(...rows.map((r) => el("option", { value: r.studentId }, r.studentName)));
    },
    async open(r, l, button) {
      hl.value = l.lessonId;
      hs.value = r.studentId;
      const section = button.closest("section");
      if (section && section.nextSibling !== form) section.after(form);
      await show(l.lessonId, r.studentId);
      hbox.scrollIntoView({ block: "nearest" });
    },
  };
}
