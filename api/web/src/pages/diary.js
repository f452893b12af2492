// The diary (parent, student, class teacher, teacher): a student's week of lessons, topics,
// homework (with its attached files to download), marks and absences with their reasons, the term
// marks, the parent's "Ознакомлен" (R-ACK-1), the paper diary's print link, and the class
// teacher's absence reasons (R-ATT-2). A phone's page first (375 px): a tapped mark or absence opens
// its details (work type, weight, teacher, comment; the absence's reason) under its lesson.
import { AttendanceStatus, AttestationStatus, AbsenceReason, LessonKind } from "gen/ejournal/v1/journal_pb.js";
import { DiaryWeekViewSchema } from "gen/ejournal/v1/views_pb.js";
import { ControlWorksViewSchema } from "gen/ejournal/v1/setup_pb.js";
import { el, clear, status, failAt, clearFail, main, REASONS, reasonName, workName, termName, num, plural } from "../ui.js";
import { fmtDate, addDays } from "../dates.js";
import { read, submit, S, session, me, has, dateMsg } from "../session.js";
import { go } from "../router.js";
import { fileLinks } from "../editors.js";
import { latestAnnouncements, alertsBox } from "./news.js";

export async function diaryPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Дневник"));
  const students = me.students;
  if (!students.length) { m.append(el("p", {}, "Нет доступных дневников.")); return; }
  const student = params.get("student") || students[0].student_id;
  const week = params.get("week") || me.today;
  const view = await read(DiaryWeekViewSchema, S() + "/students/" + encodeURIComponent(student) + "/diary?week=" + week);
  const names = new Map((view.names || []).map((n) => [n.id, n.name]));
  const name = (id) => names.get(id) || id;
  const ws = view.weekStart;
  const wsText = `${ws.year}-${String(ws.month).padStart(2, "0")}-${String(ws.day).padStart(2, "0")}`;
  const stSel = el("select", { id: "student", "aria-label": "Ученик" }, ...students.map((s) =>
    el("option", { value: s.student_id, selected: s.student_id === student }, s.student_name || s.student_id)));
  stSel.onchange = () => go("diary", { student: stSel.value, week });
  m.append(el("div", { class: "row" }, el("label", {}, "Ученик ", stSel),
    el("button", { type: "button", class: "secondary", id: "prev-week",
      onclick: () => go("diary", { student, week: addDays(wsText, -7) }) }, "← Неделя"),
    el("span", {}, "Неделя с " + fmtDate(ws)),
    el("button", { type: "button", class: "secondary", id: "next-week",
      onclick: () => go("diary", { student, week: addDays(wsText, 7) }) }, "Неделя →"),
    el("a", { id: "print", target: "_blank", rel: "noopener",
      href: S() + "/students/" + encodeURIComponent(student) + "/diary.html?week=" + wsText }, "Печать недели")));
  if ((view.days || []).some((d) => (d.lessons || []).some((x) => x.cell && ((x.cell.marks || []).length || x.cell.attendance)))) {
    m.append(el("p", { class: "muted", id: "diary-hint" }, "Нажмите на отметку или пропуск: появятся вид работы, вес, учитель, комментарий или причина пропуска."));
  }
  const st = students.find((s) => s.student_id === student);
  const classTeacher = st && me.class_teacher_of.some((c) => c.class_id === st.class_id);
  for (const d of view.days || []) {
    const day = el("section", { class: "day card" }, el("h2", {}, fmtDate(d.date, false, true)));
    for (const dl of d.lessons || []) {
      const l = dl.lesson;
      const subs = (l.substituteTeacherIds || []).filter((id) => names.has(id)).map(name);
      const row = el("div", { class: "lesson", "data-lesson": l.lessonId });
      const detail = el("div", { class: "mark-detail", id: "detail-" + l.lessonId, hidden: true, "aria-live": "polite" });
      row.append(el("span", { class: "muted" }, String(l.period || "")),
        el("div", {}, el("b", {}, name(l.subjectId)), l.cancelled ? " (отменён)" : "",
          l.teacherId ? el("span", { class: "muted" }, " — " + name(l.teacherId)) : "",
          subs.length ? el("div", { class: "muted" }, "Замена: " + subs.join(", ")) : "",
          l.kind === LessonKind.DISTANCE ? el("div", { class: "muted" }, "Дистанционное обучение") : "",
          l.topic ? el("div", {}, "Тема: " + l.topic) : "",
          ...(l.homework || []).map((h) => el("div", { class: "homework" }, "ДЗ: " + h.text,
            h.studentIds.length ? el("span", { class: "muted" }, " (индивидуальное)") : "",
            (h.files || []).length ? el("div", { class: "attachments" }, ...fileLinks(h))
              : h.attachments > 0 ? el("span", { class: "attachments" }, ` (прикреплено ${h.attachments} ${plural(h.attachments, "файл", "файла", "файлов")})`) : ""))),
        cellControls(dl, l, detail, { teacher: l.teacherId ? name(l.teacherId) : "", subs, name }), detail);
      day.append(row);
      if (classTeacher && dl.cell && dl.cell.attendance === AttendanceStatus.ABSENT) {
        day.append(reasonControl(student, l, dl.cell, () => diaryPage(params)));
      }
    }
    m.append(day);
  }
  if (!(view.days || []).length) m.append(el("p", {}, "На этой неделе уроков нет."));
  if ((view.termMarks || []).length) {
    // A mark, else the status by its enum name, as the JSON view names it.
    // The key is "student/subject/year/kind/term" (kind: 1 a term, 2 the year, 3 the final mark).
    const period = (key) => {
      const [, , , kind, term] = key.split("/");
      return kind === "2" ? "год" : kind === "3" ? "итоговая" : termName(term, (students.find((x) => x.student_id === student) || {}).term_kind);
    };
    const STATUS = { [AttestationStatus.EXEMPT]: "осв.", [AttestationStatus.NOT_ATTESTED]: "н/а",
      [AttestationStatus.PASSED]: "зачёт", [AttestationStatus.FAILED]: "незачёт" };
    m.append(el("h2", {}, "Отметки за периоды"), el("ul", { id: "term-marks" }, ...view.termMarks.map((t) =>
      el("li", {}, `${name(t.subjectId)}, ${period(t.key)}: ${t.value || STATUS[t.status] || "—"}`))));
  }
  // R-PLAN-2: the control works the teachers' plans put on the student's lessons, from this week on.
  const works = await read(ControlWorksViewSchema, S() + "/students/" + encodeURIComponent(student) + "/control-works?from=" + wsText);
  if (works.works.length) {
    m.append(el("section", { id: "control-works", "aria-labelledby": "control-works-h" },
      el("h2", { id: "control-works-h" }, "Контрольные работы по плану"),
      el("ul", {}, ...works.works.slice(0, 12).map((w) => el("li", {},
        `${fmtDate(w.date, false, true)}, ${w.period}-й урок — ${w.subjectName}: ${workName(w.workType)}, «${w.topic}»`)))));
  }
  const acks = (view.acknowledgements || []).filter((a) => a.guardianId === session.user_id);
  if (has("parent") && students.find((s) => s.student_id === student && s.child)) {
    // Acknowledged: an acknowledgement of mine, and nothing new in the week since (R-ACK-1).
    const anyNew = (view.days || []).some((d) => (d.lessons || []).some((l) => l.newSinceAcknowledgement));
    const acked = acks.length > 0 && !anyNew;
    const ackRow = el("div", { class: "row" });
    m.append(ackRow);
    ackRow.append(el("button", { type: "button", id: "ack", disabled: acked,
      onclick: async () => {
        clearFail(ackRow);
        try {
          await submit({ case: "diaryAcknowledged", value: { guardianId: session.user_id,
            studentId: student, weekStart: dateMsg(ws), asOfSequence: view.asOfSequence,
            channel: 1 } }, { businessDate: ws });
          await diaryPage(params); status("Отмечено: ознакомлен.");
        } catch (e) { failAt(ackRow, e); }
      } }, acked ? "Ознакомлен ✓" : "Ознакомлен"));
  }
  // R-MSG-3: what needs a parent's attention, at the top.
  if (has("parent")) {
    const alerts = await alertsBox({ student });
    if (alerts) m.insertBefore(alerts, m.children[2] || null);
  }
  m.append(await latestAnnouncements());
}

// The letters a journal writes for an absence (R-ATT-2): «н» until the class teacher classifies it.
const ABSENCE_LETTER = { [AbsenceReason.ILLNESS]: "б", [AbsenceReason.VALID]: "уп", [AbsenceReason.NOT_VALID]: "нп" };

// A lesson's cell in the diary: each mark, and the absence or lateness, a button that opens its
// details in `detail` (one at a time; the same button again closes them). The span's text reads as
// the cell ("5 4/3", "б"), a dot after it when something is new since the parent's
// acknowledgement (R-ACK-1). `who`: the lesson's teacher's name, its substitutes', and `name` (the
// week's names by id).
function cellControls(dl, l, detail, who) {
  const cell = dl.cell;
  const items = [];  // [button text, details (elements), label]
  for (const mk of (cell && cell.marks) || []) {
    const v = mk.secondValue ? `${mk.value}/${mk.secondValue}` : String(mk.value);
    const w = mk.weightPercent;
    items.push([v, "mark", [
      el("p", {}, el("b", { class: "detail-value" }, v), " — ", el("span", { class: "work-type" }, workName(mk.workType))),
      el("dl", {},
        w ? [el("dt", {}, "Вес"), el("dd", { class: "weight" }, num(w / 100, w % 100 ? (w % 10 ? 2 : 1) : 0))] : [],
        // Who entered the mark (MarkView.recorded_by, a substitute too), else the lesson's teacher.
        (mk.recordedBy || who.teacher) ? [el("dt", {}, "Поставил(а)"),
          el("dd", { class: "teacher" }, mk.recordedBy ? who.name(mk.recordedBy) : who.teacher)] : [],
        who.subs.length ? [el("dt", {}, "Замена"), el("dd", {}, who.subs.join(", "))] : [],
        mk.comment ? [el("dt", {}, "Комментарий"), el("dd", { class: "comment" }, mk.comment)] : []),
      mk.corrected ? el("p", { class: "muted" }, "Исправлена по решению завуча.") : ""],
    `Отметка ${v}: ${workName(mk.workType)}`]);
  }
  if (cell && cell.attendance === AttendanceStatus.ABSENT) {
    const letter = ABSENCE_LETTER[cell.absenceReason] || "н";
    items.push([letter, "absent", [el("p", {}, el("b", { class: "detail-value absent" }, letter), " — отсутствие на уроке"),
      el("dl", {}, el("dt", {}, "Причина"), el("dd", { class: cell.absenceReason ? "reason" : "reason reason-unset" },
        cell.absenceReason ? reasonName(cell.absenceReason) : "не указана классным руководителем"),
      who.teacher ? [el("dt", {}, "Учитель"), el("dd", { class: "teacher" }, who.teacher)] : [])],
    `Отсутствие: ${cell.absenceReason ? reasonName(cell.absenceReason) : "причина не указана"}`]);
  } else if (cell && cell.attendance === AttendanceStatus.LATE) {
    items.push(["оп", "absent", [el("p", {}, el("b", { class: "detail-value absent" }, "оп"),
      ` — опоздание${cell.minutesLate ? " на " + cell.minutesLate + " мин" : ""}`)], "Опоздание"]);
  }
  const span = el("span", { class: (items.some((x) => x[1] === "absent") && !items.some((x) => x[1] === "mark") ? "absent" : "mark") + " diary-mark",
    "data-lesson": l.lessonId });
  let open = null;
  items.forEach(([text, kind, body, label], i) => {
    const b = el("button", { type: "button", class: "mark-button " + kind, "aria-expanded": "false",
      "aria-controls": detail.id, "aria-label": label, "data-item": i }, text);
    b.onclick = () => {
      if (open) open.setAttribute("aria-expanded", "false");
      if (open === b) { open = null; detail.hidden = true; return; }
      open = b;
      b.setAttribute("aria-expanded", "true");
      clear(detail).append(...body);
      detail.hidden = false;
    };
    if (i) span.append(" ");
    span.append(b);
  });
  if (dl.newSinceAcknowledgement) span.append(el("span", { class: "new-dot", title: "Новое после «Ознакомлен»" }, " •"));
  return span;
}

// The class teacher classifies an absence (R-ATT-2); a refusal shows beside the select.
function reasonControl(student, lesson, cell, reload) {
  const sel = el("select", { class: "absence-reason" + (cell.absenceReason ? "" : " reason-unset"), "aria-label": "Причина отсутствия" },
    cell.absenceReason ? "" : el("option", { value: "", selected: true }, "не указана"),
    ...REASONS.map(([v, t, n]) => el("option", { value: v, selected: cell.absenceReason === n }, t)));
  const row = el("div", { class: "row reason-row" }, el("label", {}, "Причина отсутствия ", sel));
  row.append(el("button", { type: "button", class: "secondary", onclick: async () => {
    clearFail(row);
    try {
      if (!sel.value) throw { message: "Выберите причину", rule: "R-ATT-2" };
      await submit({ case: "absenceReasonSet", value: { studentId: student,
        reason: REASONS.find((r) => r[0] === sel.value)[2], lessonIds: [lesson.lessonId] } });
      await reload(); status("Причина отсутствия записана.");
    } catch (e) { failAt(row, e); }
  } }, "Сохранить"));
  return row;
}
