// «Оценки за период» (parent, student): one student's marks of a period in every subject on one
// page, as every Russian diary has it: each mark with its date, work type and weight on tap, the
// weighted mean, how many marks the period needs (R-TERM-1) and the period's mark once recorded
// (GET .../students/{s}/terms/{t}/marks, plain JSON).
import { el, clear, main, mean, termName, workName, num, collator } from "../ui.js";
import { fmtDate } from "../dates.js";
import { api, S, me } from "../session.js";
import { go } from "../router.js";

export async function marksPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Оценки за период"));
  const students = me.students || [];
  if (!students.length) { m.append(el("p", {}, "Нет доступных дневников.")); return; }
  const st = students.find((s) => s.student_id === params.get("student")) || students[0];
  const terms = st.terms && st.terms.length ? st.terms : [1];
  const term = parseInt(params.get("term") || "", 10) || st.current_term || terms[0];
  const stSel = el("select", { id: "marks-student", "aria-label": "Ученик" }, ...students.map((s) =>
    el("option", { value: s.student_id, selected: s.student_id === st.student_id }, s.student_name || "ученик")));
  const termSel = el("select", { id: "marks-term", "aria-label": "Период" }, ...terms.map((t) =>
    el("option", { value: t, selected: t === term }, termName(t, st.term_kind))));
  stSel.onchange = () => go("marks", { student: stSel.value });
  termSel.onchange = () => go("marks", { student: st.student_id, term: termSel.value });
  m.append(el("div", { class: "row" }, students.length > 1 ? el("label", {}, "Ученик ", stSel) : "",
    el("label", {}, "Период ", termSel)));
  const r = await api(S() + "/students/" + encodeURIComponent(st.student_id) + "/terms/" + term + "/marks");
  const detail = el("p", { id: "mark-detail", class: "muted", "aria-live": "polite" }, "Нажмите на отметку: появятся дата, вид работы и вес.");
  const subjects = [...(r.subjects || [])].sort((a, b) => collator.compare(a.subject_name, b.subject_name));
  // One card per subject (a phone's screen first): the name, the mean and the period's mark on
  // one line, the marks as chips that wrap, how many marks the period needs.
  const cards = subjects.map((sj) => {
    const chips = (sj.marks || []).map((mk) => {
      const text = mk.second_value ? `${mk.value}/${mk.second_value}` : String(mk.value);
      const about = `${fmtDate(mk.date)}: ${text} — ${workName(mk.work_type)}` +
        (mk.weight_percent && mk.weight_percent !== 100 ? `, вес ${num(mk.weight_percent / 100, 1)}` : "") +
        (mk.comment ? `, «${mk.comment}»` : "");
      return el("button", { type: "button", class: "mark-chip" + (mk.value <= 2 ? " low" : ""), title: about,
        "aria-label": about, onclick: () => { detail.textContent = sj.subject_name + ", " + about; } }, text);
    });
    const tm = sj.term_mark ? (sj.term_mark.value || (sj.term_mark.status === "ATTESTATION_STATUS_EXEMPT" ? "осв" : "н/а")) : "";
    return el("article", { class: "card subject-marks", "data-subject": sj.subject_id },
      el("div", { class: "subject-head" }, el("h3", {}, sj.subject_name),
        el("span", { class: "subject-mean" }, "ср. " + mean(sj.weighted_mean_x100) + (tm ? `, за период: ${tm}` : ""))),
      el("div", { class: "chips" }, ...chips, chips.length ? "" : el("span", { class: "muted" }, "отметок пока нет")),
      el("div", { class: "muted" }, `отметок ${sj.marks_count}; для отметки за период нужно не меньше ${sj.marks_needed}`));
  });
  m.append(el("h2", {}, `${r.student_name}, ${r.class_name} класс — ${termName(term, st.term_kind)}`),
    detail, el("div", { id: "marks-list" }, ...cards),
    el("p", { class: "muted" }, "Средний балл — средневзвешенный: контрольные работы весят больше. Для отметки за период нужно " +
      "не меньше трёх, пяти или семи отметок — по числу уроков в неделю."));
}
