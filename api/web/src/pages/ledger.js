// The ledger browser (auditor, deputy, director): the school's entries newest first, 20 a page,
// each with its type, author by name, the kind of credential and its key algorithm, time, and on
// demand («Подробнее») the credential's id and the event's JSON as signed. The answer is the
// server's own JSON (api/routes_pages.cc), not a view message: read as it is.
import { el, clear, main, typeName, actorText, credentialKind } from "../ui.js";
import { fmtDateTime } from "../dates.js";
import { go } from "../router.js";
import { api } from "../session.js";
import { table, th, td } from "../tables.js";

export async function ledgerPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Реестр записей"));
  const from = params.get("from");
  const limit = 20;
  const r = await api("/api/v1/ledger/entries?limit=" + limit + (from ? "&from=" + encodeURIComponent(from) : ""));
  const entries = r.entries || [];
  const newest = entries.length ? Number(entries[0].sequence) : 0;
  const jump = el("input", { id: "ledger-from", inputmode: "numeric", size: 8, value: from || "", "aria-label": "С записи №" });
  const jf = el("form", { id: "ledger-jump" }, el("div", { class: "row" }, el("label", {}, "С записи № ", jump),
    el("button", { type: "submit" }, "Показать"),
    el("button", { type: "button", class: "secondary", id: "ledger-newer", disabled: !from || newest >= Number(r.ledger_size),
      onclick: () => go("ledger", { from: String(Math.min(Number(r.ledger_size), newest + limit)) }) }, "← Новее"),
    el("button", { type: "button", class: "secondary", id: "ledger-older", disabled: !Number(r.next_from),
      onclick: () => go("ledger", { from: String(r.next_from) }) }, "Старше →")));
  jf.onsubmit = (ev) => { ev.preventDefault(); go("ledger", jump.value ? { from: jump.value.trim() } : {}); };
  m.append(jf, el("p", { class: "muted" }, `Всего записей в реестре: ${r.ledger_size}. Новые сверху; показаны записи этой школы.`),
    table("ledger-table", ["№", "Время записи", "Событие", "Кто", "Ключ", "Содержание"], entries.map((e) => el("tr", { "data-sequence": e.sequence },
      th(String(e.sequence)), td(fmtDateTime(new Date(Number(e.recorded_at_us) / 1000))),
      td(typeName(e.type)), el("td", { class: "actor" }, actorText(e.actor_name)),
      el("td", { class: "credential" }, credentialKind(e.credential_id), el("div", { class: "muted" }, e.algorithm === "p256" ? "ECDSA P-256" : e.algorithm === "ed25519" ? "Ed25519" : "")),
      // The record as signed, for the auditor to read or copy (ids are its content here).
      el("td", { class: "body" }, el("details", {}, el("summary", {}, "Подробнее"),
        el("p", {}, "Ключ: ", el("code", {}, e.credential_id)), el("pre", {}, JSON.stringify(e.body, null, 1))))))));
}

