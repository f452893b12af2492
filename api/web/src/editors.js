// The journal page's editors, in the panel below the grid: a cell (a mark, attendance, a
// correction request on an existing mark), a lesson (topic and homework), a term mark (R-TERM-1).
// Each signs its event through submit() and calls `reload` to redraw the page. Rows, lessons and
// cells are the JournalPageView's messages.
import { WorkType } from "gen/ejournal/v1/common_pb.js";
import { AttestationStatus } from "gen/ejournal/v1/journal_pb.js";
import { CellHistoryViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, WORKS, workName, mean, termName } from "./ui.js";
import { fmtDate } from "./dates.js";
import { read, submit, S, session, uuid } from "./session.js";
import { cellText } from "./grid.js";

// The substitution under which the signed-in teacher takes `lesson`, or "" (R-SUB-1).
export function substitutionOf(lesson) {
  const subs = lesson.substituteTeacherIds || [];
  const k = subs.indexOf(session.user_id);
  return k >= 0 ? (lesson.substitutionIds || [])[k] : "";
}

function workSelect(id, value) {
  return el("select", { id, name: "work" }, ...WORKS.map(([v, name]) =>
    el("option", { value: v, selected: v === value }, name)));
}

export function cellEditor(box, row, lesson, cell, button, pre = {}, reload) {
  document.querySelectorAll("td.cell button[aria-pressed]").forEach((x) => x.removeAttribute("aria-pressed"));
  button.setAttribute("aria-pressed", "true");
  box.hidden = false;
  clear(box);
  const sub = substitutionOf(lesson);
  const extra = { businessDate: lesson.date, substitutionId: sub };
  const focusBack = button.id;
  const done = async (msg) => { await reload(focusBack); status(msg); };
  box.append(el("h2", {}, `${row.studentName || row.studentId} — ${fmtDate(lesson.date)}` + (sub ? " (замена)" : "")));
  for (const mk of (cell && cell.marks) || []) {
    box.append(el("p", {}, "Отметка ", el("b", {}, cellText({ marks: [mk] })), " — " +
      workName(mk.workType) + (mk.corrected ? " (исправлена)" : "")));
  }
  // A new mark.
  const value = el("input", { id: "mark-value", name: "value", inputmode: "numeric",
    size: 2, required: true, value: pre.value || "", "aria-label": "Отметка 1–5" });
  const second = el("input", { id: "mark-second", name: "second", inputmode: "numeric",
    size: 2, "aria-label": "Вторая часть отметки (дробь)" });
  const form = el("form", { id: "mark-form" }, el("div", { class: "row" },
    el("label", {}, "Отметка ", value), el("label", {}, "Дробь ", second),
    el("label", {}, "Вид работы ", workSelect("mark-work", "WORK_TYPE_ANSWER_IN_CLASS")),
    el("button", { type: "submit", id: "mark-submit" }, "Поставить")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await submit({ case: "markRecorded", value: {
        markId: "m-" + uuid(), lessonId: lesson.lessonId, studentId: row.studentId,
        value: { value: parseInt(value.value, 10), secondValue: parseInt(second.value || "0", 10) },
        workType: WORKS.find((w) => w[0] === form.work.value)[2] } }, extra);
      await done("Отметка записана.");
    } catch (e) { fail(e); }
  };
  // Attendance.
  const minutes = el("input", { id: "late-minutes", inputmode: "numeric", size: 3, value: "5",
    "aria-label": "Минут опоздания" });
  const att = async (late) => {
    try {
      await submit({ case: "attendanceRecorded", value: { lessonId: lesson.lessonId,
        studentId: row.studentId, status: late ? 2 : 1,
        minutesLate: late ? parseInt(minutes.value || "0", 10) : 0 } }, extra);
      await done(late ? "Опоздание записано." : "Отсутствие записано.");
    } catch (e) { fail(e); }
  };
  box.append(form, el("div", { class: "row" },
    el("button", { type: "button", id: "absent", onclick: () => att(false) }, "Отсутствовал (н)"),
    el("label", {}, "Опоздание, мин ", minutes),
    el("button", { type: "button", id: "late", onclick: () => att(true) }, "Опоздал")));
  // A correction request per existing mark (R-COR-1). A cell may hold several marks (an answer
  // and a control work on one day), so each form names its mark in `data-mark`; no ids, which
  // would repeat.
  for (const mk of (cell && cell.marks) || []) {
    const nv = el("input", { class: "corr-value", inputmode: "numeric", size: 2, required: true,
      "aria-label": "Новое значение" });
    const reason = el("input", { class: "corr-reason", required: true, size: 30, "aria-label": "Причина" });
    const cf = el("form", { class: "corr-form", "data-mark": mk.markId }, el("h2", {},
      "Запрос на исправление отметки " + cellText({ marks: [mk] }) + " — " + workName(mk.workType)),
      el("div", { class: "row" }, el("label", {}, "Новая отметка ", nv),
        el("label", {}, "Причина ", reason),
        el("button", { type: "submit" }, "Запросить исправление")));
    cf.onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        const h = await read(CellHistoryViewSchema, S() + "/lessons/" + lesson.lessonId + "/students/" + row.studentId + "/history");
        const ev0 = (h.events || []).find((e) => String(e.sequence) === String(mk.sequence));
        if (!ev0) throw new Error("в истории ячейки нет записи " + mk.sequence);
        await submit({ case: "correctionRequested", value: {
          requestId: "rq-" + uuid(), target: { target: { case: "markId", value: mk.markId } }, originalEventId: ev0.eventId,
          reason: reason.value, proposal: { case: "mark", value: {
            markId: mk.markId, lessonId: lesson.lessonId, studentId: row.studentId,
            value: { value: parseInt(nv.value, 10) },
            workType: mk.workType || WorkType.ANSWER_IN_CLASS } } } },
        { businessDate: lesson.date, substitutionId: sub });
        await done("Запрос на исправление отправлен завучу.");
      } catch (e) { fail(e); }
    };
    box.append(cf);
  }
  if (pre.absent) att(false);
  else (pre.value ? form.querySelector("#mark-submit") : value).focus();
}

export function lessonEditor(box, lesson, reload) {
  box.hidden = false;
  clear(box);
  const sub = substitutionOf(lesson);
  const extra = { businessDate: lesson.date, substitutionId: sub };
  const topic = el("input", { id: "topic", size: 40, required: true,
    value: lesson.topic || lesson.plannedTopic || "", "aria-label": "Тема урока" });
  const tf = el("form", { id: "topic-form" }, el("h2", {}, "Урок " + fmtDate(lesson.date) + (sub ? " (замена)" : "")),
    el("label", {}, "Тема ", topic), el("button", { type: "submit" }, "Записать тему"));
  tf.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await submit({ case: "lessonConducted", value: { lessonId: lesson.lessonId, topic: topic.value,
        kind: 1 } }, extra);
      await reload(); status("Тема записана.");
    } catch (e) { fail(e); }
  };
  const hw = el("textarea", { id: "homework", rows: 2, cols: 40, required: true, "aria-label": "Домашнее задание" });
  const hf = el("form", { id: "homework-form" }, el("label", {}, "Домашнее задание ", hw),
    el("button", { type: "submit" }, "Задать"));
  hf.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await submit({ case: "homeworkAssigned", value: { homeworkId: "hw-" + uuid(),
        lessonId: lesson.lessonId, text: hw.value } }, extra);
      await reload(); status("Домашнее задание записано.");
    } catch (e) { fail(e); }
  };
  box.append(tf, el("p", { class: "muted" }, (lesson.homework || []).map((h) => "ДЗ: " + h.text).join("; ")), hf);
  topic.focus();
}

// The term mark (R-TERM-1): the subject's teacher records it once; it is not revised (R-COR-2).
const TERM_VALUES = [["5", "5"], ["4", "4"], ["3", "3"], ["2", "2"], ["1", "1"], ["exempt", "осв"], ["not_attested", "н/а"]];

export function termEditor(box, row, sel, reload) {
  box.hidden = false;
  clear(box);
  const count = row.marksCount || 0, needed = row.marksNeeded || 0;
  const held = row.lessonsHeld || 0, missed = row.lessonsMissed || 0;
  const tm = row.termMark;
  box.append(el("h2", {}, `Отметка за ${termName(sel.term, sel.load && sel.load.term_kind, true)} — ${row.studentName || row.studentId}`),
    el("p", { id: "term-suggested" }, "Предлагаемая отметка: ", el("b", {}, row.suggestedMark ? String(row.suggestedMark) : "нет"),
      row.weightedMeanX100 ? ` (средневзвешенный балл ${mean(row.weightedMeanX100)})` : ""),
    el("p", { id: "term-check", class: count < needed ? "error-text" : "" },
      `Отметок за период: ${count}, нужно не меньше ${needed} (R-TERM-1)` + (count < needed ? " — недостаточно для отметки за период." : " — достаточно.")),
    missed * 2 > held ? el("p", { class: "error-text" }, `Пропущено ${missed} из ${held} уроков — больше половины: «н/а», если завуч не решит иначе (R-TERM-1).`) : "");
  if (tm && (tm.value || tm.status)) {
    box.append(el("p", {}, "Отметка за период выставлена: ", el("b", {}, String(tm.value || (tm.status === AttestationStatus.EXEMPT ? "осв" : "н/а"))),
      " — не пересматривается (R-COR-2)."));
    return;
  }
  const value = el("select", { id: "term-value", "aria-label": "Отметка за период" }, ...TERM_VALUES.map(([v, t]) =>
    el("option", { value: v, selected: v === String(row.suggestedMark || "") }, t)));
  const form = el("form", { id: "term-form" }, el("div", { class: "row" }, el("label", {}, "Отметка за период ", value),
    el("button", { type: "submit", id: "term-submit" }, "Выставить")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const v = value.value;
    const mark = /^[1-5]$/.test(v) ? { result: { case: "value", value: parseInt(v, 10) } }
      : { result: { case: "status", value: v === "exempt" ? 1 : 2 } };
    try {
      const r = await submit({ case: "termMarkRecorded", value: { studentId: row.studentId, subjectId: sel.load.subject_id,
        period: { academicYearId: sel.load.year_id, kind: 1, termNumber: sel.term }, mark } });
      await reload("t-" + row.studentId);
      status("Отметка за период записана: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  box.append(form);
  value.focus();
}
