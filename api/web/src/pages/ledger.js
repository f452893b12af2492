// The ledger browser (auditor, deputy, director): the school's entries newest first, 20 a page,
// filtered by person, kind of record and dates; each with its type and what it records in words,
// author by name, the kind of credential and its key algorithm, time, and on demand («Подробнее»)
// the credential's id and the event's JSON as signed. The answer is the server's own JSON
// (api/routes_pages.cc), not a view message: read as it is.
import { el, clear, main, typeName, actorText, credentialKind, byRu, TYPES } from "../ui.js";
import { fmtDateTime, instantOf } from "../dates.js";
import { go } from "../router.js";
import { api } from "../session.js";
import { table, th, td } from "../tables.js";
import { recordText } from "../widgets.js";
import { loadSetup } from "./setup.js";

export async function ledgerPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Реестр записей"));
  const from = params.get("from");
  const limit = 20;
  // Filters (kept in the page's address): a person, a kind of record, a range of days.
  const keep = {};
  for (const k of ["actor", "type", "day_from", "day_to"]) if (params.get(k)) keep[k] = params.get(k);
  const q = new URLSearchParams({ limit: String(limit) });
  if (from) q.set("from", from);
  if (keep.actor) q.set("actor", keep.actor);
  if (keep.type) q.set("type", keep.type);
  if (keep.day_from) q.set("after_us", String(instantOf(keep.day_from + "T00:00").getTime() * 1000));
  if (keep.day_to) q.set("before_us", String(instantOf(keep.day_to + "T23:59:59").getTime() * 1000));
  const [r, setup] = await Promise.all([api("/api/v1/ledger/entries?" + q), loadSetup().catch(() => null)]);
  const who = el("select", { id: "ledger-actor", "aria-label": "Кто записал" }, el("option", { value: "" }, "все"),
    ...(setup ? setup.v.users.slice().sort(byRu((u) => u.user.displayName)) : []).map((u) =>
      el("option", { value: u.user.userId, selected: u.user.userId === keep.actor }, u.user.displayName)));
  const kind = el("select", { id: "ledger-type", "aria-label": "Вид записи" }, el("option", { value: "" }, "все"),
    ...Object.entries(TYPES).sort(byRu((t) => t[1])).map(([t, name]) => el("option", { value: t, selected: t === keep.type }, name)));
  const dayFrom = el("input", { type: "date", id: "ledger-day-from", value: keep.day_from || "", "aria-label": "С даты" });
  const dayTo = el("input", { type: "date", id: "ledger-day-to", value: keep.day_to || "", "aria-label": "По дату" });
  const filters = el("form", { id: "ledger-filters" }, el("div", { class: "row" }, el("label", {}, "Кто ", who),
    el("label", {}, "Вид записи ", kind), el("label", {}, "С ", dayFrom), el("label", {}, "по ", dayTo),
    el("button", { type: "submit" }, "Найти")));
  filters.onsubmit = (ev) => {
    ev.preventDefault();
    const p = {};
    if (who.value) p.actor = who.value;
    if (kind.value) p.type = kind.value;
    if (dayFrom.value) p.day_from = dayFrom.value;
    if (dayTo.value) p.day_to = dayTo.value;
    go("ledger", p);
  };
  m.append(filters);
  const entries = r.entries || [];
  const newest = entries.length ? Number(entries[0].sequence) : 0;
  const jump = el("input", { id: "ledger-from", inputmode: "numeric", size: 8, value: from || "", "aria-label": "С записи №" });
  const jf = el("form", { id: "ledger-jump" }, el("div", { class: "row" }, el("label", {}, "С записи № ", jump),
    el("button", { type: "submit" }, "Показать"),
    el("button", { type: "button", class: "secondary", id: "ledger-newer", disabled: !from || newest >= Number(r.ledger_size),
      onclick: () => go("ledger", { ...keep, from: String(Math.min(Number(r.ledger_size), newest + limit)) }) }, "← Новее"),
    el("button", { type: "button", class: "secondary", id: "ledger-older", disabled: !Number(r.next_from),
      onclick: () => go("ledger", { ...keep, from: String(r.next_from) }) }, "Старше →")));
  jf.onsubmit = (ev) => { ev.preventDefault(); go("ledger", jump.value ? { ...keep, from: jump.value.trim() } : keep); };
  m.append(jf, el("p", { class: "muted" }, `Всего записей в реестре: ${r.ledger_size}. Новые сверху; показаны записи этой школы` +
    (Object.keys(keep).length ? ", подходящие под отбор." : ".") + (entries.length ? "" : " Ничего не найдено.")),
    table("ledger-table", ["№", "Время записи", "Событие", "Кто", "Ключ", "Содержание"], entries.map((e) => el("tr", { "data-sequence": e.sequence },
      th(String(e.sequence)), td(fmtDateTime(new Date(Number(e.recorded_at_us) / 1000))),
      el("td", { class: "text-left" }, typeName(e.type), el("div", { class: "muted" }, recordText(e.type, (e.body || {})[e.type] || {}).text)),
      el("td", { class: "actor" }, actorText(e.actor_name)),
      el("td", { class: "credential" }, credentialKind(e.credential_id), el("div", { class: "muted" }, e.algorithm === "p256" ? "ECDSA P-256" : e.algorithm === "ed25519" ? "Ed25519" : "")),
      // The record as signed, for the auditor to read or copy (ids are its content here).
      el("td", { class: "body" }, el("details", {}, el("summary", {}, "Подробнее"),
        el("p", {}, "Ключ: ", el("code", {}, e.credential_id)), el("pre", {}, JSON.stringify(e.body, null, 1))))))));
}

