// The diary (parent, student, class teacher, teacher): a student's week of lessons, topics,
// homework, marks and absences, the term marks, the parent's "Ознакомлен" (R-ACK-1), the paper
// diary's print link, and the class teacher's absence reasons (R-ATT-2).
import { AttendanceStatus, AttestationStatus } from "gen/ejournal/v1/journal_pb.js";
import { DiaryWeekViewSchema } from "gen/ejournal/v1/views_pb.js";
import { ControlWorksViewSchema } from "gen/ejournal/v1/setup_pb.js";
import { el, clear, status, fail, main, REASONS, workName, termName } from "../ui.js";
import { fmtDate, addDays } from "../dates.js";
import { read, submit, S, session, me, has, dateMsg } from "../session.js";
import { go } from "../router.js";
import { cellText } from "../grid.js";

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
  const st = students.find((s) => s.student_id === student);
  const classTeacher = st && me.class_teacher_of.some((c) => c.class_id === st.class_id);
  for (const d of view.days || []) {
    const day = el("section", { class: "day card" }, el("h2", {}, fmtDate(d.date, false, true)));
    for (const dl of d.lessons || []) {
      const l = dl.lesson;
      const text = cellText(dl.cell);
      day.append(el("div", { class: "lesson" },
        el("span", { class: "muted" }, String(l.period || "")),
        el("div", {}, el("b", {}, name(l.subjectId)), l.cancelled ? " (отменён)" : "",
          l.teacherId ? el("span", { class: "muted" }, " — " + name(l.teacherId)) : "",
          l.topic ? el("div", {}, "Тема: " + l.topic) : "",
          ...(l.homework || []).map((h) => el("div", {}, "ДЗ: " + h.text))),
        el("span", { class: (text.includes("н") ? "absent" : "mark") + " diary-mark",
          "data-lesson": l.lessonId }, text + (dl.newSinceAcknowledgement ? " •" : ""))));
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
    m.append(el("div", { class: "row" }, el("button", { type: "button", id: "ack", disabled: acked,
      onclick: async () => {
        try {
          await submit({ case: "diaryAcknowledged", value: { guardianId: session.user_id,
            studentId: student, weekStart: dateMsg(ws), asOfSequence: view.asOfSequence,
            channel: 1 } }, { businessDate: ws });
          await diaryPage(params); status("Отмечено: ознакомлен.");
        } catch (e) { fail(e); }
      } }, acked ? "Ознакомлен ✓" : "Ознакомлен")));
  }
}

// The class teacher classifies an absence (R-ATT-2).
function reasonControl(student, lesson, cell, reload) {
  const sel = el("select", { class: "absence-reason", "aria-label": "Причина отсутствия" },
    ...REASONS.map(([v, t, n]) => el("option", { value: v, selected: cell.absenceReason === n }, t)));
  return el("div", { class: "row" }, el("label", {}, "Причина отсутствия ", sel),
    el("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await submit({ case: "absenceReasonSet", value: { studentId: student,
          reason: REASONS.find((r) => r[0] === sel.value)[2], lessonIds: [lesson.lessonId] } });
        await reload(); status("Причина отсутствия записана.");
      } catch (e) { fail(e); }
    } }, "Сохранить"));
}
