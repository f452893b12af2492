// The class teacher's class (R-ATT-2): the week's absences, each with its reason to set, and the
// class's marks in every subject of a term, read-only.
import { ProblemsReportViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { el, clear, status, fail, main, mean, REASONS, termName } from "../ui.js";
import { fmtDate, parseDate, addDays } from "../dates.js";
import { api, read, submit, S, me, classesOf } from "../session.js";
import { go } from "../router.js";
import { classPicker, groupName } from "../widgets.js";
import { table, td, byStudentName, studentTh } from "../tables.js";
import { loginsSection } from "./logins.js";

export async function classPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Мой класс"));
  const classes = classesOf(me);
  if (!classes.length) { m.append(el("p", {}, "Нет класса, где вы классный руководитель.")); return; }
  const cls = classes.find((c) => c.class_id === params.get("class")) || classes[0];
  const term = parseInt(params.get("term") || "", 10) || cls.current_term || cls.terms[0];
  const weekStart = addDays(params.get("week") || me.today, 0);
  const monday = (() => { const d = new Date(weekStart + "T00:00:00Z"); return addDays(weekStart, -((d.getUTCDay() + 6) % 7)); })();
  const keep = { class: cls.class_id, term, week: monday };
  const termSel = el("select", { id: "class-term", "aria-label": "Период" }, ...cls.terms.map((t) =>
    el("option", { value: t, selected: t === term }, termName(t, cls.term_kind))));
  termSel.onchange = () => go("class", { ...keep, term: termSel.value });
  m.append(el("div", { class: "row" }, classPicker("class", classes, cls, keep), el("label", {}, "Период ", termSel)));

  // The week's absences, each with its reason (R-ATT-2: the class teacher classifies them), from the
  // problems report (a ProblemsReportView); the class's marks are the server's own table (plain JSON).
  const sunday = addDays(monday, 6);
  const [problems, marks] = await Promise.all([
    read(ProblemsReportViewSchema, S() + "/reports/problems?class=" + encodeURIComponent(cls.class_id) + "&from=" + monday + "&to=" + sunday),
    api(S() + "/classes/" + encodeURIComponent(cls.class_id) + "/terms/" + term + "/marks")]);
  const absent = (problems.students || []).filter((s) => (s.missed || []).length);
  const nameOf = (r) => r.student_name || r.student_id;  // a row of the marks table
  const names = new Map((marks.rows || []).map((r) => [r.student_id, nameOf(r)]));
  const subjectNames = new Map((marks.subjects || []).map((x) => [x.subject_id, x.subject_name]));
  const subjectOf = (id) => subjectNames.get(id) || id;
  const week = el("section", { id: "absences", "aria-labelledby": "absences-h" },
    el("h2", { id: "absences-h" }, "Пропуски недели с " + fmtDate(parseDate(monday)) + " по " + fmtDate(parseDate(sunday))),
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", id: "abs-prev", onclick: () => go("class", { ...keep, week: addDays(monday, -7) }) }, "← Неделя"),
      el("button", { type: "button", class: "secondary", id: "abs-next", onclick: () => go("class", { ...keep, week: addDays(monday, 7) }) }, "Неделя →")));
  if (!absent.length) week.append(el("p", {}, "На этой неделе пропусков нет."));
  for (const s of absent) {
    const selects = s.missed.map((x) => el("select", { class: "absence-reason", "data-lesson": x.lessonId,
      "aria-label": `Причина: ${names.get(s.studentId) || s.studentId}, ${fmtDate(x.date)}, ${subjectOf(x.subjectId)}` },
    el("option", { value: "", selected: !x.absenceReason }, "не указана"),
    ...REASONS.map(([v, t, n]) => el("option", { value: v, selected: x.absenceReason === n }, t))));
    const save = el("button", { type: "button", class: "save-reasons", "data-student": s.studentId }, "Сохранить причины");
    save.onclick = async () => {
      // One AbsenceReasonSet per reason chosen, for the lessons given that reason.
      const byReason = new Map();
      selects.forEach((sel, i) => {
        if (!sel.value || REASONS.find((r) => r[0] === sel.value)[2] === s.missed[i].absenceReason) return;
        byReason.set(sel.value, [...(byReason.get(sel.value) || []), s.missed[i].lessonId]);
      });
      try {
        if (!byReason.size) throw new Error("Выберите причину хотя бы для одного пропуска");
        let last = null;
        for (const [reason, lessonIds] of byReason) {
          last = await submit({ case: "absenceReasonSet", value: { studentId: s.studentId,
            reason: REASONS.find((r) => r[0] === reason)[2], lessonIds } });
        }
        await classPage(params);
        status("Причины пропусков записаны: запись №" + last.sequence + ".");
      } catch (e) { fail(e); }
    };
    week.append(el("article", { class: "card absence-student", "data-student": s.studentId },
      el("h3", { title: s.studentId }, names.get(s.studentId) || s.studentId),
      el("ul", {}, ...s.missed.map((x, i) => el("li", {}, `${fmtDate(x.date, false, true)}, ${subjectOf(x.subjectId)}` +
        (x.topic ? ` («${x.topic}»)` : "") + " — ", selects[i]))), save));
  }
  m.append(week);

  // The class's marks in every subject of the term, read-only.
  const subjects = marks.subjects || [];
  const rows = byStudentName(marks.rows, nameOf).map((r) => {
    const means = [];
    const cells = subjects.map((sj) => {
      const c = (r.subjects || {})[sj.key];
      if (!c) return td("");
      if (c.weighted_mean_x100) means.push(c.weighted_mean_x100);
      const tm = c.term_mark ? (c.term_mark.value || (c.term_mark.status === "ATTESTATION_STATUS_EXEMPT" ? "осв" : "н/а")) : "";
      return el("td", { class: "marks-cell", title: `отметок ${c.marks_count} из ${c.marks_needed} нужных; пропущено ${c.lessons_missed} из ${c.lessons_held}` },
        el("div", { class: "marks-list" }, (c.marks || []).join(" ")),
        el("div", { class: "muted" }, "ср. " + mean(c.weighted_mean_x100) + (tm ? ", итог " + tm : "")));
    });
    const avg = means.length ? Math.round(means.reduce((a, b) => a + b, 0) / means.length) : 0;
    return el("tr", { "data-student": r.student_id }, studentTh(r.student_id, nameOf(r)), ...cells, td(mean(avg), { class: "mark" }));
  });
  m.append(el("section", { id: "class-marks", "aria-labelledby": "class-marks-h" },
    el("h2", { id: "class-marks-h" }, `Отметки класса ${marks.name} за ${termName(term, cls.term_kind, true)} по всем предметам`),
    table("class-marks-table", ["Ученик", ...subjects.map((s) => s.subject_name + (s.subgroup_id ? " (" + groupName(s.subgroup_id,
      subjects.filter((x) => x.subject_id === s.subject_id && x.subgroup_id).map((x) => x.subgroup_id)) + ")" : "")), "Средний"], rows),
    el("p", { class: "muted" }, "Только чтение. В ячейке — отметки периода, средневзвешенный балл и итоговая отметка, если выставлена.")));
  // R-SET-2: the class's first logins, for the class teacher of this class.
  if ((me.class_teacher_of || []).some((c) => c.class_id === cls.class_id)) m.append(await loginsSection(cls));
}
