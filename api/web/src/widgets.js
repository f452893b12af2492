// Controls several pages share: the journal-page picker (class-subject and term, from /me's
// loads), the class picker, a journal record in words, and a journal cell's history table.
import { toJson } from "@bufbuild/protobuf";
import { CorrectionRequestedSchema } from "gen/ejournal/v1/control_pb.js";
import { el, clear, typeName, actorText, credentialKind, collator, termName, WORKS, REASONS, num } from "./ui.js";
import { fmtDateTime, fmtDate } from "./dates.js";
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

// A journal record in words, from its protobuf JSON with proto field names (AuditEventView's
// body_json, a CorrectionRequested's proposal through toJson): `kind` is the EventBody field or the
// proposal's oneof case ("mark_recorded", "mark", ...). Returns {short, text}: what a cell shows
// ("4", "н") and the sentence ("4 — контрольная работа, вес 2").
export function recordText(kind, v = {}) {
  const work = (n) => (WORKS.find((w) => w[0] === n) || [0, "ответ на уроке"])[1];
  switch (kind) {
    case "mark_recorded": case "mark": {
      const value = (v.value && v.value.value) || 0, second = (v.value && v.value.second_value) || 0;
      const short = second ? `${value}/${second}` : String(value);
      return { short, text: `${short} — ${work(v.work_type)}` + (v.weight_percent ? ", вес " + num(v.weight_percent / 100, 1) : "") +
        (v.comment ? `, «${v.comment}»` : "") };
    }
    case "attendance_recorded": case "attendance":
      return v.status === "ATTENDANCE_STATUS_LATE" ? { short: "оп", text: `опоздание на ${v.minutes_late || 0} мин` }
        : { short: "н", text: "отсутствие (н)" };
    case "lesson_conducted": case "lesson":
      return { short: "тема", text: `тема «${v.topic || ""}»` + (v.kind === "LESSON_KIND_DISTANCE" ? ", дистанционное обучение" :
        v.kind === "LESSON_KIND_EXTRACURRICULAR" ? ", внеурочное занятие" : "") };
    case "homework_assigned": case "homework":
      return { short: "ДЗ", text: `домашнее задание «${v.text || ""}»` };
    case "remove":
      return { short: "удалить", text: "удалить запись" };
    case "absence_reason_set":
      return { short: "", text: "причина: " + ((REASONS.find((r) => r[0] === v.reason) || [0, "не указана"])[1]) };
    case "correction_requested": {
      const [inner] = ["mark", "attendance", "lesson", "homework", "remove"].filter((k) => k in v);
      return { short: "", text: "заявка: " + (inner ? recordText(inner, v[inner]).text : "") + (v.reason ? `; причина «${v.reason}»` : "") };
    }
    case "correction_approved":
      return { short: "", text: "одобрено" + (v.comment ? `: «${v.comment}»` : "") };
    case "correction_rejected":
      return { short: "", text: "отклонено" + (v.reason ? `: «${v.reason}»` : "") };
    case "correction_withdrawn":
      return { short: "", text: "заявка отозвана" };
    default:
      return { short: "", text: "" };
  }
}
// A pending CorrectionRequested's proposal (protobuf-es message) in words: {short, text}.
export function requestText(request) {
  const j = toJson(CorrectionRequestedSchema, request, { useProtoFieldName: true });
  const [kind] = ["mark", "attendance", "lesson", "homework", "remove"].filter((k) => k in j);
  return kind ? recordText(kind, j[kind]) : { short: "?", text: "" };
}
// An AuditEventView's record in words, from its body_json ("" when it has none).
export function eventText(e) {
  try {
    const body = JSON.parse(e.bodyJson || "{}");
    return recordText(e.type, body[e.type] || {}).text;
  } catch { return ""; }
}

// An AuditEventView as one line people read: what, its value, the lesson's date, who.
export function auditLine(e) {
  const what = eventText(e);
  return typeName(e.type) + (what ? ": " + what : "") + (e.businessDate ? `, урок ${fmtDate(e.businessDate)}` : "") +
    " — " + actorText(e.actorName);
}

// A cell's history (a CellHistoryView message): every event that touched it, and whether it still
// counts.
export function showHistory(box, h) {
  clear(box).append(el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, ...["№", "Время записи", "Кто", "Событие", "Значение", "Состояние"].map((t) => el("th", { scope: "col" }, t)))),
    el("tbody", {}, ...(h.events || []).map((e) => el("tr", {},
      el("td", {}, String(e.sequence)),
      el("td", {}, fmtDateTime(new Date(Number(e.recordedAtUs) / 1000))),
      // R-ACC-4: who and with what kind of credential (the credential's id is in the event's JSON).
      el("td", { class: "actor" }, `${actorText(e.actorName)} (${credentialKind(e.credentialId)})`), el("td", { title: e.bodyJson || "" }, typeName(e.type)),
      el("td", { class: "text-left history-value" }, eventText(e)),
      el("td", {}, e.invalid ? "недействительно (акт " + (e.invalidatedByAct || "") + ")" :
        e.supersededBy ? "заменено записью " + e.supersededBy : "действует")))))));
}
