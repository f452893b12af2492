// The class teacher's class (R-ATT-2): the week's absences, each with its reason to set, a reason
// for a student's whole day or range of days in one signed event, and the class's marks in every
// subject of a term, read-only. Students are listed by surname, as in the class list.
import { ProblemsReportViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { el, clear, status, failAt, clearFail, main, mean, REASONS, reasonName, termName } from "../ui.js";
import { fmtDate, parseDate, addDays, isoOf } from "../dates.js";
import { api, read, submit, S, me, classesOf } from "../session.js";
import { go } from "../router.js";
import { classPicker, groupName } from "../widgets.js";
import { table, td, byStudentName, studentTh } from "../tables.js";
import { loginsSection } from "./logins.js";
import { alertsBox } from "./news.js";

// `done`: what the last write recorded, confirmed beside the form that made it ({ where: "range" |
// a student id, text, range: the range form's student, from and to }), since the page is drawn
// anew after a write.
export async function classPage(params, done = null) {
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
  const missedOf = (from, to) => read(ProblemsReportViewSchema, S() + "/reports/problems?class=" +
    encodeURIComponent(cls.class_id) + "&from=" + from + "&to=" + to);
  const [problems, marks] = await Promise.all([missedOf(monday, sunday),
    api(S() + "/classes/" + encodeURIComponent(cls.class_id) + "/terms/" + term + "/marks")]);
  const nameOf = (r) => r.student_name || r.student_id;  // a row of the marks table
  const names = new Map((marks.rows || []).map((r) => [r.student_id, nameOf(r)]));
  const studentName = (s) => names.get(s.studentId) || s.studentName || s.studentId;  // a problems row
  const absent = byStudentName((problems.students || []).filter((s) => (s.missed || []).length), studentName);
  const subjectNames = new Map((marks.subjects || []).map((x) => [x.subject_id, x.subject_name]));
  const subjectOf = (id) => subjectNames.get(id) || id;
  const unsetCount = absent.reduce((n, s) => n + s.missed.filter((x) => !x.absenceReason).length, 0);

  // A reason for every absence of one student from one day to another: one AbsenceReasonSet naming
  // each missed lesson of those days, as the preview lists them before it is signed.
  const students = byStudentName(marks.rows, nameOf);
  // At first the first student of the week with an absence not classified, and the week up to
  // today; after a write, the range just written, its preview showing the reasons now recorded.
  const firstUnset = absent.find((s) => s.missed.some((x) => !x.absenceReason));
  const last = done && done.range ? done.range : { student: firstUnset ? firstUnset.studentId : "", from: monday,
    to: sunday < me.today ? sunday : (me.today < monday ? monday : me.today) };
  const rStudent = el("select", { id: "range-student", "aria-label": "Ученик" }, ...students.map((r) =>
    el("option", { value: r.student_id, selected: r.student_id === last.student }, nameOf(r))));
  const rFrom = el("input", { type: "date", id: "range-from", value: last.from, "aria-label": "С даты" });
  const rTo = el("input", { type: "date", id: "range-to", value: last.to, "aria-label": "По дату" });
  const rReason = el("select", { id: "range-reason", "aria-label": "Причина" },
    el("option", { value: "" }, "выберите причину"), ...REASONS.map(([v, t]) => el("option", { value: v }, t)));
  const rDoc = el("input", { id: "range-doc", maxlength: 120, placeholder: "справка № 15 от 16.11.2026", "aria-label": "Документ" });
  const preview = el("div", { id: "range-preview", "aria-live": "polite" });
  // Checked here, not by the browser's own (untranslated) bubbles: refusals in Russian beside the form.
  const rangeForm = el("form", { id: "range-form", novalidate: true, "aria-labelledby": "range-h" },
    el("h2", { id: "range-h" }, "Причина за день или за несколько дней"),
    el("p", { class: "muted" }, "Одна запись для всех пропусков ученика в эти дни; уже указанные причины заменяются (R-ATT-2)."),
    el("div", { class: "row" }, el("label", {}, "Ученик ", rStudent), el("label", {}, "С ", rFrom), el("label", {}, "по ", rTo)),
    el("div", { class: "row" }, el("label", {}, "Причина ", rReason),
      el("label", {}, "Документ (необязательно) ", rDoc)),
    preview, el("button", { type: "submit", id: "range-submit" }, "Записать причину"));
  // The chosen student's missed lessons of the chosen days, or a refusal in words.
  const rangeMissed = async () => {
    if (!rFrom.value || !rTo.value) throw { message: "Укажите обе даты", rule: "R-ATT-2" };
    if (rTo.value < rFrom.value) throw { message: "Дата «по» раньше даты «с»", rule: "R-ATT-2" };
    const rep = await missedOf(rFrom.value, rTo.value);
    const s = (rep.students || []).find((x) => x.studentId === rStudent.value);
    return (s && s.missed) || [];
  };
  let previewSeq = 0;
  const showPreview = async () => {
    const seq = ++previewSeq;
    clearFail(rangeForm);
    try {
      const missed = await rangeMissed();
      if (seq !== previewSeq) return;
      // By day: "вт, 10.11.2026: Русский язык (по болезни), Математика (не указана)".
      const days = new Map();
      for (const x of missed) days.set(isoOf(x.date), [...(days.get(isoOf(x.date)) || []), x]);
      clear(preview).append(missed.length
        ? el("div", {}, el("p", {}, `Пропусков в эти дни: ${missed.length}.`),
          el("ul", { class: "range-lessons" }, ...[...days.keys()].sort().map((d) => el("li", {},
            el("b", {}, fmtDate(parseDate(d), false, true)), ": ",
            ...days.get(d).flatMap((x, i) => [i ? ", " : "", el("span", { "data-lesson": x.lessonId }, subjectOf(x.subjectId), " (",
              el("span", { class: x.absenceReason ? "" : "reason-unset" }, reasonName(x.absenceReason)), ")")])))))
        : el("p", { class: "muted" }, "В эти дни у ученика пропусков нет."));
    } catch (e) {
      if (seq === previewSeq) { clear(preview); failAt(rangeForm, e); }
    }
  };
  for (const c of [rStudent, rFrom, rTo]) c.onchange = showPreview;
  rangeForm.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(rangeForm);
    try {
      if (!rReason.value) throw { message: "Выберите причину", rule: "R-ATT-2" };
      const missed = await rangeMissed();
      if (!missed.length) throw { message: "В эти дни у ученика нет пропусков", rule: "R-ATT-2" };
      const reason = REASONS.find((r) => r[0] === rReason.value);
      const first = missed.map((x) => isoOf(x.date)).sort()[0];
      await submit({ case: "absenceReasonSet", value: { studentId: rStudent.value, reason: reason[2],
        lessonIds: missed.map((x) => x.lessonId), document: rDoc.value.trim() ? { title: rDoc.value.trim() } : undefined } },
      { businessDate: parseDate(first) });
      const who = students.find((r) => r.student_id === rStudent.value);
      await classPage(params, { where: "range", range: { student: rStudent.value, from: rFrom.value, to: rTo.value }, text: `Причина «${reason[1]}» записана для ${missed.length} пропусков: ` +
        `${who ? nameOf(who) : ""}, ${fmtDate(parseDate(rFrom.value))} — ${fmtDate(parseDate(rTo.value))}.` });
    } catch (e) { failAt(rangeForm, e); }
  };

  const week = el("section", { id: "absences", "aria-labelledby": "absences-h" },
    el("h2", { id: "absences-h" }, "Пропуски недели с " + fmtDate(parseDate(monday)) + " по " + fmtDate(parseDate(sunday))),
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", id: "abs-prev", onclick: () => go("class", { ...keep, week: addDays(monday, -7) }) }, "← Неделя"),
      el("button", { type: "button", class: "secondary", id: "abs-next", onclick: () => go("class", { ...keep, week: addDays(monday, 7) }) }, "Неделя →")),
    absent.length ? el("p", { id: "unset-count", class: unsetCount ? "reason-unset" : "muted" },
      unsetCount ? `Без причины: ${unsetCount} из ${absent.reduce((n, s) => n + s.missed.length, 0)} пропусков.` : "У всех пропусков недели причина указана.") : "");
  if (!absent.length) week.append(el("p", {}, "На этой неделе пропусков нет."));
  week.append(rangeForm);
  for (const s of absent) {
    const mark = (sel) => sel.classList.toggle("reason-unset", !sel.value);
    const selects = s.missed.map((x) => {
      const sel = el("select", { class: "absence-reason", "data-lesson": x.lessonId,
        "aria-label": `Причина: ${studentName(s)}, ${fmtDate(x.date)}, ${subjectOf(x.subjectId)}` },
      el("option", { value: "", selected: !x.absenceReason }, "не указана"),
      ...REASONS.map(([v, t, n]) => el("option", { value: v, selected: x.absenceReason === n }, t)));
      mark(sel);
      sel.addEventListener("change", () => mark(sel));
      return sel;
    });
    // Every absence of the student's week given one reason in the page; saved with the button.
    const all = el("select", { class: "absence-all", "aria-label": `Всем пропускам недели: ${studentName(s)}` },
      el("option", { value: "" }, "—"), ...REASONS.map(([v, t]) => el("option", { value: v }, t)));
    all.onchange = () => { if (all.value) for (const sel of selects) { sel.value = all.value; mark(sel); } };
    const save = el("button", { type: "button", class: "save-reasons", "data-student": s.studentId }, "Сохранить причины");
    const card = el("article", { class: "card absence-student", "data-student": s.studentId },
      el("h3", {}, studentName(s), s.missed.some((x) => !x.absenceReason)
        ? el("span", { class: "reason-unset badge" }, `без причины: ${s.missed.filter((x) => !x.absenceReason).length}`) : ""),
      el("ul", {}, ...s.missed.map((x, i) => el("li", { class: x.absenceReason ? "" : "unset" },
        `${fmtDate(x.date, false, true)}, ${subjectOf(x.subjectId)}` + (x.topic ? ` («${x.topic}»)` : "") + " — ", selects[i]))),
      el("div", { class: "row" }, s.missed.length > 1 ? el("label", {}, "Всем пропускам недели ", all) : "", save));
    save.onclick = async () => {
      clearFail(card);
      // One AbsenceReasonSet per reason chosen, for the lessons given that reason.
      const byReason = new Map();
      selects.forEach((sel, i) => {
        if (!sel.value || REASONS.find((r) => r[0] === sel.value)[2] === s.missed[i].absenceReason) return;
        byReason.set(sel.value, [...(byReason.get(sel.value) || []), s.missed[i].lessonId]);
      });
      try {
        if (!byReason.size) throw { message: "Выберите причину хотя бы для одного пропуска", rule: "R-ATT-2" };
        let n = 0;
        for (const [reason, lessonIds] of byReason) {
          await submit({ case: "absenceReasonSet", value: { studentId: s.studentId,
            reason: REASONS.find((r) => r[0] === reason)[2], lessonIds } });
          n += lessonIds.length;
        }
        await classPage(params, { where: s.studentId, text: `Причины пропусков записаны: ${studentName(s)}, пропусков: ${n}.` });
      } catch (e) { failAt(card, e); }
    };
    if (done && done.where === s.studentId) card.append(el("p", { class: "done-text", role: "status" }, done.text));
    week.append(card);
  }
  if (done && done.where === "range") rangeForm.append(el("p", { class: "done-text", role: "status" }, done.text));
  m.append(week);
  if (done) {
    status(done.text);
    const at = done.where === "range" ? rangeForm : week.querySelector(`.absence-student[data-student="${CSS.escape(done.where)}"]`);
    if (at) at.scrollIntoView({ block: "nearest" });
  }
  showPreview();

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
  // R-MSG-3: what the journal says needs attention in the class.
  const alerts = await alertsBox({ class: cls.class_id });
  if (alerts) m.insertBefore(alerts, m.children[2] || null);
}
