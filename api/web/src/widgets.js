// Controls several pages share: the journal-page picker (class-subject and term, from /me's
// loads), the class picker, and a journal cell's history table.
import { el, clear, typeName, actorText, credentialKind, collator, termName } from "./ui.js";
import { fmtDateTime } from "./dates.js";
import { me, S } from "./session.js";
import { go } from "./router.js";

// A subgroup as people read it where the answer gives only its id (/me's loads, the class's marks):
// by its place among `siblings`, the ids of the same class-subject's subgroups in view ("2-я
// группа"), or just «группа» when it is the only one.
export function groupName(id, siblings) {
  const ids = [...new Set(siblings)].sort(collator.compare);
  return ids.length > 1 ? `${ids.indexOf(id) + 1}-я группа` : "группа";
}
// A class-subject as people read it: "6А · Английский язык (Английский язык, 2 группа)": the
// group's own name from /me, else its place among the class-subject's groups.
export function loadLabel(l) {
  if (!l.subgroup_id) return l.name + " · " + l.subject_name;
  if (l.subgroup_name) return `${l.name} · ${l.subject_name} (${l.subgroup_name})`;
  const siblings = me.loads.filter((x) => x.class_id === l.class_id && x.subject_id === l.subject_id && x.subgroup_id)
    .map((x) => x.subgroup_id);
  return `${l.name} · ${l.subject_name} (${groupName(l.subgroup_id, siblings)})`;
}

export function pickLoad(params) {
  const loads = me.loads;
  if (!loads.length) return null;
  const i = Math.min(Math.max(parseInt(params.get("load") || "0", 10) || 0, 0), loads.length - 1);
  return { i, load: loads[i], term: parseInt(params.get("term") || "", 10) ||
    loads[i].current_term || (loads[i].terms[0] || 1) };
}

export function journalPath(load, term) {
  return S() + "/classes/" + load.class_id + "/subjects/" + load.subject_id + "/terms/" + term +
    "/journal" + (load.subgroup_id ? "?subgroup=" + encodeURIComponent(load.subgroup_id) : "");
}

export function loadPicker(page, sel, extra = {}) {
  const loadSel = el("select", { id: "load", "aria-label": "Класс и предмет" },
    ...me.loads.map((l, i) => el("option", { value: i, selected: i === sel.i }, loadLabel(l))));
  const termSel = el("select", { id: "term", "aria-label": "Период" },
    ...(sel.load.terms.length ? sel.load.terms : [1, 2, 3, 4]).map((t) =>
      el("option", { value: t, selected: t === sel.term }, termName(t, sel.load.term_kind))));
  const change = () => go(page, { ...extra, load: loadSel.value, term: termSel.value });
  loadSel.onchange = change; termSel.onchange = change;
  return el("div", { class: "row" }, el("label", {}, "Класс и предмет ", loadSel),
    el("label", {}, "Период ", termSel));
}

export function classPicker(page, classes, cls, extra) {
  const sel = el("select", { id: "class", "aria-label": "Класс" }, ...classes.map((c) =>
    el("option", { value: c.class_id, selected: c.class_id === cls.class_id }, c.name)));
  sel.onchange = () => go(page, { ...extra, class: sel.value });
  return el("label", {}, "Класс ", sel);
}

// A cell's history (a CellHistoryView message): every event that touched it, and whether it still
// counts.
export function showHistory(box, h) {
  clear(box).append(el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, ...["№", "Время записи", "Кто", "Событие", "Состояние"].map((t) => el("th", { scope: "col" }, t)))),
    el("tbody", {}, ...(h.events || []).map((e) => el("tr", {},
      el("td", {}, String(e.sequence)),
      el("td", {}, fmtDateTime(new Date(Number(e.recordedAtUs) / 1000))),
      // R-ACC-4: who and with what kind of credential (the credential's id is in the event's JSON).
      el("td", { class: "actor" }, `${actorText(e.actorName)} (${credentialKind(e.credentialId)})`), el("td", { title: e.bodyJson || "" }, typeName(e.type)),
      el("td", {}, e.invalid ? "недействительно (акт " + (e.invalidatedByAct || "") + ")" :
        e.supersededBy ? "заменено записью " + e.supersededBy : "действует")))))));
}
