// The pages beyond the journal and the diary: the class teacher's class (absence reasons of the week,
// the marks in every subject), the methodist's timetable changes, the deputy's reports with their
// charts, the term mark, re-entry of what an Act voided (R-SEC-4), the auditor's ledger browser.
// Every write goes through app.js's submit() (signed in the browser); refusals through fail().
import { fromJsonString } from "@bufbuild/protobuf";
import { EventBodySchema } from "gen/ejournal/v1/event_pb.js";
import { el, clear, status, fail, fmtDate, parseDate, addDays, typeName, actorText } from "./ui.js";
import { api, submit, S, state, go, isoOf, pickLoad, loadPicker, journalPath, svg, MONTHS } from "./app.js";

const pct = (x100) => (x100 / 100).toFixed(1).replace(".", ",") + " %";
const mean = (x100) => (x100 ? (x100 / 100).toFixed(2).replace(".", ",") : "—");
const table = (id, heads, rows) => el("div", { class: "scroll" }, el("table", { id },
  el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))),
  el("tbody", {}, ...rows)));
const th = (t) => el("th", { scope: "row", class: "student" }, t);
const td = (t, attrs = {}) => el("td", attrs, t === undefined || t === null ? "" : String(t));
// Report rows by the student's registered name (the id when the school gave none), as the class list.
const nameOf = (r) => r.student_name || r.student_id;
const byStudentName = (rows) => [...(rows || [])].sort((a, b) => nameOf(a).localeCompare(nameOf(b), "ru"));
const studentTh = (r) => el("th", { scope: "row", class: "student", title: r.student_id, "data-student": r.student_id }, nameOf(r));

// The classes a user may open a class page or a class report for: their own as class teacher,
// every class of the school (from the loads) for those who read everything.
export function classesOf(me) {
  const out = new Map();
  for (const c of me.class_teacher_of || []) out.set(c.class_id, c);
  if (["deputy", "director", "auditor", "admin"].some((r) => me.roles.includes(r))) {
    for (const l of me.loads) if (!out.has(l.class_id)) out.set(l.class_id, l);
  }
  return [...out.values()].map((c) => ({ class_id: c.class_id, name: c.name, year_id: c.year_id,
    terms: c.terms && c.terms.length ? c.terms : [1, 2, 3, 4], current_term: c.current_term || 0 }))
    .sort((a, b) => a.name.localeCompare(b.name, "ru", { numeric: true }));
}

function classPicker(page, classes, cls, extra) {
  const sel = el("select", { id: "class", "aria-label": "Класс" }, ...classes.map((c) =>
    el("option", { value: c.class_id, selected: c.class_id === cls.class_id }, c.name)));
  sel.onchange = () => go(page, { ...extra, class: sel.value });
  return el("label", {}, "Класс ", sel);
}

// ---------------------------------------------------------------- class teacher (R-ATT-2)
const REASONS = [["ABSENCE_REASON_ILLNESS", "по болезни", 1], ["ABSENCE_REASON_VALID", "уважительная", 2],
  ["ABSENCE_REASON_NOT_VALID", "неуважительная", 3]];
const reasonName = (r) => (REASONS.find((x) => x[0] === r) || [0, "не указана"])[1];

export async function classPage(params) {
  const { me } = state();
  const m = clear(document.getElementById("main"));
  m.append(el("h1", {}, "Мой класс"));
  const classes = classesOf(me);
  if (!classes.length) { m.append(el("p", {}, "Нет класса, где вы классный руководитель.")); return; }
  const cls = classes.find((c) => c.class_id === params.get("class")) || classes[0];
  const term = parseInt(params.get("term") || "", 10) || cls.current_term || cls.terms[0];
  const weekStart = addDays(params.get("week") || me.today, 0);
  const monday = (() => { const d = new Date(weekStart + "T00:00:00Z"); return addDays(weekStart, -((d.getUTCDay() + 6) % 7)); })();
  const keep = { class: cls.class_id, term, week: monday };
  const termSel = el("select", { id: "class-term", "aria-label": "Четверть" }, ...cls.terms.map((t) =>
    el("option", { value: t, selected: t === term }, t + " четверть")));
  termSel.onchange = () => go("class", { ...keep, term: termSel.value });
  m.append(el("div", { class: "row" }, classPicker("class", classes, cls, keep), el("label", {}, "Период ", termSel)));

  // The week's absences, each with its reason (R-ATT-2: the class teacher classifies them).
  const sunday = addDays(monday, 6);
  const [problems, marks] = await Promise.all([
    api(S() + "/reports/problems?class=" + encodeURIComponent(cls.class_id) + "&from=" + monday + "&to=" + sunday),
    api(S() + "/classes/" + encodeURIComponent(cls.class_id) + "/terms/" + term + "/marks")]);
  const absent = (problems.students || []).filter((s) => (s.missed || []).length);
  const names = new Map((marks.rows || []).map((r) => [r.student_id, nameOf(r)]));
  const week = el("section", { id: "absences", "aria-labelledby": "absences-h" },
    el("h2", { id: "absences-h" }, "Пропуски недели с " + fmtDate(parseDate(monday)) + " по " + fmtDate(parseDate(sunday))),
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", id: "abs-prev", onclick: () => go("class", { ...keep, week: addDays(monday, -7) }) }, "← Неделя"),
      el("button", { type: "button", class: "secondary", id: "abs-next", onclick: () => go("class", { ...keep, week: addDays(monday, 7) }) }, "Неделя →")));
  if (!absent.length) week.append(el("p", {}, "На этой неделе пропусков нет."));
  for (const s of absent) {
    const selects = s.missed.map((x) => el("select", { class: "absence-reason", "data-lesson": x.lesson_id,
      "aria-label": `Причина: ${s.student_id}, ${fmtDate(x.date)}, ${x.subject_id}` },
    el("option", { value: "", selected: !x.absence_reason || x.absence_reason === "ABSENCE_REASON_UNSPECIFIED" }, "не указана"),
    ...REASONS.map(([v, t]) => el("option", { value: v, selected: x.absence_reason === v }, t))));
    const save = el("button", { type: "button", class: "save-reasons", "data-student": s.student_id }, "Сохранить причины");
    save.onclick = async () => {
      // One AbsenceReasonSet per reason chosen, for the lessons given that reason.
      const byReason = new Map();
      selects.forEach((sel, i) => {
        if (!sel.value || sel.value === s.missed[i].absence_reason) return;
        byReason.set(sel.value, [...(byReason.get(sel.value) || []), s.missed[i].lesson_id]);
      });
      try {
        if (!byReason.size) throw new Error("Выберите причину хотя бы для одного пропуска");
        let last = null;
        for (const [reason, lessonIds] of byReason) {
          last = await submit({ case: "absenceReasonSet", value: { studentId: s.student_id,
            reason: REASONS.find((r) => r[0] === reason)[2], lessonIds } });
        }
        await classPage(params);
        status("Причины пропусков записаны: запись №" + last.sequence + ".");
      } catch (e) { fail(e); }
    };
    week.append(el("article", { class: "card absence-student", "data-student": s.student_id },
      el("h3", { title: s.student_id }, names.get(s.student_id) || s.student_id),
      el("ul", {}, ...s.missed.map((x, i) => el("li", {}, `${fmtDate(x.date, false, true)}, ${x.subject_id}` +
        (x.topic ? ` («${x.topic}»)` : "") + " — ", selects[i]))), save));
  }
  m.append(week);

  // The class's marks in every subject of the term, read-only.
  const subjects = marks.subjects || [];
  const rows = byStudentName(marks.rows).map((r) => {
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
    return el("tr", { "data-student": r.student_id }, studentTh(r), ...cells, td(mean(avg), { class: "mark" }));
  });
  m.append(el("section", { id: "class-marks", "aria-labelledby": "class-marks-h" },
    el("h2", { id: "class-marks-h" }, `Отметки класса ${marks.name} за ${term} четверть по всем предметам`),
    table("class-marks-table", ["Ученик", ...subjects.map((s) => s.subject_name + (s.subgroup_id ? " (" + s.subgroup_id + ")" : "")), "Средний"], rows),
    el("p", { class: "muted" }, "Только чтение. В ячейке — отметки периода, средневзвешенный балл и итоговая отметка, если выставлена.")));
}

// ---------------------------------------------------------------- methodist: timetable changes
export async function timetablePage(params) {
  const { me } = state();
  const m = clear(document.getElementById("main"));
  m.append(el("h1", {}, "Изменения расписания"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет страниц журнала.")); return; }
  m.append(loadPicker("timetable", sel));
  const page = await api(journalPath(sel.load, sel.term));
  const lessons = (page.lessons || []).filter((l) => isoOf(l.date) >= me.today);
  const shown = lessons.length ? lessons : (page.lessons || []).slice(-5);
  const pick = el("fieldset", { id: "tt-lessons" }, el("legend", {}, "Урок"), ...shown.map((l, i) => el("label", {},
    el("input", { type: "radio", name: "lesson", value: l.lesson_id, disabled: l.cancelled || !!l.topic,
      checked: i === shown.findIndex((x) => !x.cancelled && !x.topic) }),
    ` ${fmtDate(l.date, false, true)}, ${l.period || "—"} урок, учитель ${l.teacher_id}` + (l.cancelled ? " — отменён" : "") +
    (l.topic ? " (проведён)" : ""))));
  const chosen = () => {
    const r = pick.querySelector("input[name=lesson]:checked");
    if (!r) throw new Error("Выберите урок");
    return shown.find((l) => l.lesson_id === r.value);
  };
  const newDate = el("input", { type: "date", id: "move-date", required: true, value: me.today });
  const newPeriod = el("input", { id: "move-period", inputmode: "numeric", size: 3, required: true, value: "1" });
  const newRoom = el("input", { id: "move-room", size: 8 });
  const moveReason = el("input", { id: "move-reason", size: 30, required: true });
  const move = el("form", { id: "move-form" }, el("h2", {}, "Перенести урок"),
    el("div", { class: "row" }, el("label", {}, "Новая дата ", newDate), el("label", {}, "Урок № ", newPeriod),
      el("label", {}, "Кабинет ", newRoom), el("label", {}, "Причина ", moveReason)),
    el("button", { type: "submit" }, "Перенести"));
  move.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const l = chosen();
      const d = parseDate(newDate.value);
      const r = await submit({ case: "lessonMoved", value: { lessonId: l.lesson_id, newDate: d,
        newPeriod: parseInt(newPeriod.value, 10) || 0, newRoom: newRoom.value.trim(), reason: moveReason.value } },
      { businessDate: d });
      await timetablePage(params);
      status("Урок перенесён: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  const cancelReason = el("input", { id: "cancel-reason", size: 30, required: true });
  const cancel = el("form", { id: "cancel-form" }, el("h2", {}, "Отменить урок"),
    el("label", {}, "Причина ", cancelReason), el("button", { type: "submit", class: "reject" }, "Отменить урок"));
  cancel.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const l = chosen();
      const r = await submit({ case: "lessonCancelled", value: { lessonId: l.lesson_id, reason: cancelReason.value } },
        { businessDate: l.date });
      await timetablePage(params);
      status("Урок отменён: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  m.append(el("form", { id: "tt-pick", onsubmit: (e) => e.preventDefault() }, pick), move, cancel,
    el("p", { class: "muted" }, "Проведённый урок или урок с отметками не переносится и не отменяется (R-LES-1). " +
      "Замены учителей — на странице «Замены»."));
}

// ---------------------------------------------------------------- deputy: reports
const KINDS = [["progress", "Успеваемость по классам"], ["control", "Ежемесячный контроль"],
  ["summary", "Сводная ведомость"], ["problems", "Проблемы: «2» и пропуски"],
  ["substitutions", "Замены"], ["acks", "Ознакомление родителей"], ["attendance", "Посещаемость по месяцам"]];

export async function reportsPage(params) {
  const { me } = state();
  const m = clear(document.getElementById("main"));
  const kind = KINDS.some((k) => k[0] === params.get("kind")) ? params.get("kind") : "progress";
  m.append(el("h1", {}, "Отчёты"));
  const classes = classesOf(me);
  const cls = classes.find((c) => c.class_id === params.get("class")) || classes[0];
  const [y, mo] = me.today.split("-").map((x) => parseInt(x, 10));
  const month = params.get("month") || `${y}-${String(mo).padStart(2, "0")}`;
  // By default the latest finished term (term marks are entered at a term's end), else the first.
  const term = parseInt(params.get("term") || "", 10) || Math.max(1, ((cls && cls.current_term) || 1) - 1);
  const keep = { kind, class: cls ? cls.class_id : "", month, term };
  const kindSel = el("select", { id: "report-kind", "aria-label": "Отчёт" }, ...KINDS.map(([k, t]) =>
    el("option", { value: k, selected: k === kind }, t)));
  kindSel.onchange = () => go("reports", { ...keep, kind: kindSel.value });
  const monthIn = el("input", { type: "month", id: "report-month", value: month, "aria-label": "Месяц" });
  monthIn.onchange = () => go("reports", { ...keep, month: monthIn.value });
  const termSel = el("select", { id: "report-term", "aria-label": "Четверть" }, ...((cls && cls.terms) || [1, 2, 3, 4]).map((t) =>
    el("option", { value: t, selected: t === term }, t + " четверть")));
  termSel.onchange = () => go("reports", { ...keep, term: termSel.value });
  m.append(el("div", { class: "row" }, el("label", {}, "Отчёт ", kindSel),
    ["summary", "problems", "acks", "control"].includes(kind) && cls ? classPicker("reports", classes, cls, keep) : "",
    ["control", "problems", "substitutions", "acks"].includes(kind) ? el("label", {}, "Месяц ", monthIn) : "",
    kind === "progress" ? el("label", {}, "Период ", termSel) : ""));
  const [my, mm] = month.split("-").map((x) => parseInt(x, 10));
  const from = `${month}-01`;
  const to = addDays(`${mm === 12 ? my + 1 : my}-${String(mm === 12 ? 1 : mm + 1).padStart(2, "0")}-01`, -1);
  const box = el("section", { id: "report", "aria-live": "polite" });
  m.append(box);
  const q = (name, p) => api(S() + "/reports/" + name + "?" + new URLSearchParams(p).toString());
  if (kind === "attendance") return attendanceReport(box);
  if (kind === "progress") {
    // One class-progress report per class: the chart compares them.
    const reports = await Promise.all(classes.map((c) => q("class-progress", { class: c.class_id, year_id: c.year_id, kind: "term", term })
      .then((r) => ({ c, r }), () => ({ c, r: null }))));
    const ok = reports.filter((x) => x.r);
    box.append(el("h2", {}, `Успеваемость по классам, ${term} четверть`), progressChart(ok),
      el("p", { class: "muted" }, "Качество — доля «4» и «5»; успеваемость — доля без «2» и «1»; средний балл — по шкале справа (из 5)."),
      table("progress-table", ["Класс", "Учеников", "Отличники", "Хорошисты", "С «2» или н/а", "Качество", "Успеваемость", "Средний балл"],
        ok.map(({ c, r }) => el("tr", {}, th(c.name), td(r.students || 0), td(r.students_excellent || 0), td(r.students_good || 0),
          td(r.students_failing || 0), td(pct(r.quality_percent_x100 || 0)), td(pct(r.success_percent_x100 || 0)), td(mean(r.mean_x100 || 0))))));
    return;
  }
  if (kind === "control") {
    const r = await q("monthly-control", { year: my, month: mm, class: cls ? cls.class_id : "" });
    const share = (a, b) => (b ? Math.round((100 * a) / b) + " %" : "—");
    box.append(el("h2", {}, `Ежемесячный контроль: ${MONTHS[mm - 1]} ${my}`),
      table("control-table", ["Учитель", "Класс", "Предмет", "Уроков по плану / проведено", "С темой", "С ДЗ", "Без отметок", "С одной отметкой",
        "Отметок с опозданием", "ДЗ с опозданием", "Пропуски с причиной", "Замены"],
      (r.rows || []).map((x) => el("tr", {}, th(x.teacher_id), td(x.class_id + (x.subgroup_id ? " (" + x.subgroup_id + ")" : "")), td(x.subject_id),
        td(`${x.lessons_planned || 0} / ${x.lessons_held || 0}`), td(share(x.lessons_with_topic || 0, x.lessons_held || 0)),
        td(share(x.lessons_with_homework || 0, x.lessons_held || 0)), td(`${x.students_without_marks || 0} из ${x.students || 0}`),
        td(x.students_with_one_mark || 0), td(`${x.marks_late || 0} из ${x.marks || 0}`), td(`${x.homework_late || 0} из ${x.homework || 0}`),
        td(`${x.absences_classified || 0} из ${x.absences || 0}`), td(x.lessons_substituted || 0)))));
    if (!(r.rows || []).length) box.append(el("p", {}, "В этом месяце уроков нет."));
    return;
  }
  if (kind === "summary") {
    const r = await q("summary-statement", { class: cls.class_id, year_id: cls.year_id });
    const subjects = r.subject_ids || [];
    const label = (c) => (c.kind === "PERIOD_KIND_YEAR" ? "год" : c.kind === "PERIOD_KIND_FINAL" ? "итог" : c.term_number + "ч");
    const val = (c) => c.value || (c.status === "ATTESTATION_STATUS_EXEMPT" ? "осв" : c.status === "ATTESTATION_STATUS_NOT_ATTESTED" ? "н/а" : "");
    box.append(el("h2", {}, `Сводная ведомость ${cls.name}`),
      table("summary-table", ["Ученик", ...subjects], byStudentName(r.rows).map((row) => el("tr", {}, studentTh(row),
        ...subjects.map((s) => td((row.marks || []).filter((c) => c.subject_id === s).map((c) => label(c) + ": " + val(c)).join(", ")))))));
    if (!(r.rows || []).length) box.append(el("p", {}, "Итоговых отметок пока нет."));
    return;
  }
  if (kind === "problems") {
    const r = await q("problems", { class: cls.class_id, from, to });
    box.append(el("h2", {}, `Неудовлетворительные отметки и пропуски, ${cls.name}, ${MONTHS[mm - 1]} ${my}`),
      table("problems-table", ["Ученик", "«2» и «1»", "Пропуски"], byStudentName(r.students).map((s) => el("tr", {}, studentTh(s),
        td((s.unsatisfactory || []).map((x) => `${fmtDate(x.date, true)} ${x.subject_id}: ${x.value}` + (x.topic ? ` («${x.topic}»)` : "")).join("; ")),
        td((s.missed || []).map((x) => `${fmtDate(x.date, true)} ${x.subject_id} (${reasonName(x.absence_reason)})`).join("; "))))));
    if (!(r.students || []).length) box.append(el("p", {}, "Нет ни «2», ни пропусков."));
    return;
  }
  if (kind === "substitutions") {
    const r = await q("substitutions", { from, to });
    box.append(el("h2", {}, `Замены, ${MONTHS[mm - 1]} ${my}`),
      table("substitutions-table", ["Замена", "Отсутствовал", "Заменял", "Уроки", "Состояние"], (r.substitutions || []).map((s) => el("tr", {},
        th(s.substitution_id), td(s.absent_teacher_id), td(s.substitute_teacher_id),
        td((s.lessons || []).map((l) => `${fmtDate(l.date, true)} ${l.class_id} ${l.subject_id}` + (l.held ? " ✓" : "")).join("; ")),
        td(s.cancelled ? "отменена" : "действует")))));
    if (!(r.substitutions || []).length) box.append(el("p", {}, "Замен не было."));
    return;
  }
  if (kind === "acks") {
    const r = await q("acknowledgements", { class: cls.class_id, from, to });
    box.append(el("h2", {}, `Ознакомление родителей с дневником, ${cls.name}: ${pct(r.rate_percent_x100 || 0)}`),
      table("acks-table", ["Неделя с", "Учеников", "Ознакомлены", "Изменилось после", "На бумаге", "Доля"], (r.weeks || []).map((w) => el("tr", {},
        th(fmtDate(w.week_start)), td(w.students || 0), td(w.acknowledged || 0), td(w.changed_since || 0), td(w.paper || 0), td(pct(w.rate_percent_x100 || 0))))));
  }
}

// Grouped bars per class: quality % and success % on the left scale, the mean on the right (of 5).
function progressChart(items) {
  const W = 90, H = 200, top = 20, left = 40;
  const width = left + Math.max(4, items.length) * W + 40;
  const chart = svg("svg", { id: "progress-chart", viewBox: `0 0 ${width} ${H + top + 40}`, role: "img",
    "aria-label": "Качество, успеваемость и средний балл по классам", class: "chart" });
  const y = (v, max) => top + H - (v / max) * H;
  for (const t of [0, 25, 50, 75, 100]) {
    chart.append(svg("line", { x1: left, x2: width - 30, y1: y(t, 100), y2: y(t, 100), stroke: "#e4e7ec" }),
      svg("text", { x: left - 4, y: y(t, 100) + 4, "text-anchor": "end", "font-size": 10 }, t + "%"),
      svg("text", { x: width - 26, y: y(t, 100) + 4, "font-size": 10 }, (t / 20).toFixed(1)));
  }
  const series = [["quality_percent_x100", "качество", "#4e79a7", 10000], ["success_percent_x100", "успеваемость", "#59a14f", 10000],
    ["mean_x100", "средний балл", "#f28e2b", 500]];
  items.forEach(({ c, r }, i) => {
    series.forEach(([k, name, color, max], j) => {
      const v = r[k] || 0;
      const x = left + i * W + 8 + j * 24;
      chart.append(svg("rect", { x, y: y(v, max), width: 22, height: top + H - y(v, max), fill: color, class: "bar-" + j },
        svg("title", {}, `${c.name}: ${name} — ${k === "mean_x100" ? mean(v) : pct(v)}`)));
    });
    chart.append(svg("text", { x: left + i * W + 8 + 36, y: top + H + 16, "text-anchor": "middle", "font-size": 12 }, c.name));
  });
  series.forEach(([, name, color], j) => {
    chart.append(svg("rect", { x: left + j * 120, y: H + top + 24, width: 10, height: 10, fill: color }),
      svg("text", { x: left + j * 120 + 14, y: H + top + 33, "font-size": 11 }, name));
  });
  return el("div", { class: "scroll" }, chart);
}

// Attendance by month since the school year began: a stacked bar chart and its table.
async function attendanceReport(box) {
  const { me } = state();
  box.append(el("h2", {}, "Посещаемость по месяцам"));
  const [y, mo] = me.today.split("-").map((x) => parseInt(x, 10));
  const from = `${mo >= 9 ? y : y - 1}-09-01`;
  const r = await api(S() + "/reports/attendance?from=" + from + "&to=" + me.today);
  const byMonth = new Map();
  for (const row of r.months || []) {
    const k = row.year * 100 + row.month;
    const a = byMonth.get(k) || { year: row.year, month: row.month, illness: 0, valid: 0, not_valid: 0, unclassified: 0, late: 0 };
    a.illness += row.illness || 0; a.valid += row.valid_reason || 0; a.not_valid += row.not_valid || 0;
    a.unclassified += row.unclassified || 0; a.late += row.late || 0;
    byMonth.set(k, a);
  }
  const months = [...byMonth.keys()].sort((a, b) => a - b).map((k) => byMonth.get(k));
  const parts = [["illness", "по болезни", "#4e79a7"], ["valid", "уважительная", "#59a14f"],
    ["not_valid", "неуважительная", "#e15759"], ["unclassified", "не указана", "#bab0ac"]];
  const total = (a) => parts.reduce((n, [k]) => n + a[k], 0);
  const max = Math.max(1, ...months.map(total));
  const W = 60, H = 200;
  const chart = svg("svg", { id: "attendance-chart", viewBox: `0 0 ${Math.max(8, months.length) * W + 40} ${H + 50}`,
    role: "img", "aria-label": "Пропуски уроков по месяцам", class: "chart" });
  months.forEach((a, i) => {
    let yTop = H + 20;
    for (const [k, name, color] of parts) {
      const h = (a[k] / max) * (H - 10);
      if (h <= 0) continue;
      yTop -= h;
      chart.append(svg("rect", { x: 30 + i * W, y: yTop, width: W - 14, height: h, fill: color },
        svg("title", {}, `${MONTHS[a.month - 1]}: ${name} — ${a[k]}`)));
    }
    chart.append(svg("text", { x: 30 + i * W + (W - 14) / 2, y: H + 38, "text-anchor": "middle", "font-size": 12 }, MONTHS[a.month - 1]),
      svg("text", { x: 30 + i * W + (W - 14) / 2, y: yTop - 4, "text-anchor": "middle", "font-size": 11 }, total(a)));
  });
  box.append(el("div", { class: "scroll" }, chart),
    el("p", { class: "muted" }, ...parts.map(([, name], i) => (i ? ", " : "") + name + " — " + ["синий", "зелёный", "красный", "серый"][i])),
    table("attendance-table", ["Месяц", ...parts.map((p) => p[1]), "опоздания"], months.map((a) => el("tr", {},
      th(`${MONTHS[a.month - 1]} ${a.year}`), ...parts.map(([k]) => td(a[k])), td(a.late)))));
}

// ---------------------------------------------------------------- teacher: the term mark (R-TERM-1)
const TERM_VALUES = [["5", "5"], ["4", "4"], ["3", "3"], ["2", "2"], ["1", "1"], ["exempt", "осв"], ["not_attested", "н/а"]];

export function termEditor(box, row, sel, reload) {
  box.hidden = false;
  clear(box);
  const count = row.marks_count || 0, needed = row.marks_needed || 0;
  const held = row.lessons_held || 0, missed = row.lessons_missed || 0;
  const tm = row.term_mark;
  box.append(el("h2", {}, `Отметка за ${sel.term} четверть — ${row.student_name || row.student_id}`),
    el("p", { id: "term-suggested" }, "Предлагаемая отметка: ", el("b", {}, row.suggested_mark ? String(row.suggested_mark) : "нет"),
      row.weighted_mean_x100 ? ` (средневзвешенный балл ${mean(row.weighted_mean_x100)})` : ""),
    el("p", { id: "term-check", class: count < needed ? "error-text" : "" },
      `Отметок за период: ${count}, нужно не меньше ${needed} (R-TERM-1)` + (count < needed ? " — недостаточно для отметки за период." : " — достаточно.")),
    missed * 2 > held ? el("p", { class: "error-text" }, `Пропущено ${missed} из ${held} уроков — больше половины: «н/а», если завуч не решит иначе (R-TERM-1).`) : "");
  if (tm && (tm.value || tm.status)) {
    box.append(el("p", {}, "Отметка за период выставлена: ", el("b", {}, String(tm.value || (tm.status === "ATTESTATION_STATUS_EXEMPT" ? "осв" : "н/а"))),
      " — не пересматривается (R-COR-2)."));
    return;
  }
  const value = el("select", { id: "term-value", "aria-label": "Отметка за период" }, ...TERM_VALUES.map(([v, t]) =>
    el("option", { value: v, selected: v === String(row.suggested_mark || "") }, t)));
  const form = el("form", { id: "term-form" }, el("div", { class: "row" }, el("label", {}, "Отметка за период ", value),
    el("button", { type: "submit", id: "term-submit" }, "Выставить")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const v = value.value;
    const mark = /^[1-5]$/.test(v) ? { result: { case: "value", value: parseInt(v, 10) } }
      : { result: { case: "status", value: v === "exempt" ? 1 : 2 } };
    try {
      const r = await submit({ case: "termMarkRecorded", value: { studentId: row.student_id, subjectId: sel.load.subject_id,
        period: { academicYearId: sel.load.year_id, kind: 1, termNumber: sel.term }, mark } });
      await reload("t-" + row.student_id);
      status("Отметка за период записана: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  box.append(form);
  value.focus();
}

// ---------------------------------------------------------------- re-entry (R-SEC-4)
// The records an Act voided that await re-entry: the whole school's for the director (and those who
// read everything), one's own for everyone else. Only the author re-enters a record: the button is
// there for one's own records; it signs the same payload anew, naming the voided event.
export async function showAwaiting(box, after) {
  const { me } = state();
  const r = await api(S() + "/reports/awaiting-reentry");
  const events = r.events || [];
  clear(box).append(el("h2", {}, "Ожидают повторного ввода автором: " + events.length),
    el("p", { class: "muted" }, "Недействительные по акту, но верные записи вносит заново их автор (R-SEC-4)."),
    events.length ? el("ul", { id: "awaiting-list" }, ...events.map((e) => {
      const li = el("li", { "data-sequence": e.sequence },
        `№${e.sequence} ${typeName(e.type)} — ${actorText(e)}` + (e.business_date ? `, ${fmtDate(e.business_date)}` : "") +
        (e.invalidated_by_act ? ` (акт ${e.invalidated_by_act})` : "") + " ");
      if (e.actor_id === me.user_id) {
        li.append(el("button", { type: "button", class: "reenter secondary", onclick: async () => {
          try {
            // The voided body, decoded by the generated library; the same payload, signed anew.
            const old = fromJsonString(EventBodySchema, e.body_json);
            const res = await submit(old.payload, { businessDate: old.businessDate, substitutionId: old.substitutionId,
              reentersEventId: old.eventId });
            await showAwaiting(box, after);
            status("Запись внесена заново: запись №" + res.sequence + " (вместо №" + e.sequence + ").");
            if (after) await after();
          } catch (err) { fail(err); }
        } }, "Внести заново"));
      } else {
        li.append(el("span", { class: "muted" }, "вносит автор"));
      }
      return li;
    })) : "");
}

export async function reentryPage() {
  const m = clear(document.getElementById("main"));
  m.append(el("h1", {}, "Повторный ввод"));
  const box = el("section", { id: "awaiting" });
  m.append(box);
  await showAwaiting(box);
}

// ---------------------------------------------------------------- auditor: the ledger browser
export async function ledgerPage(params) {
  const m = clear(document.getElementById("main"));
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
      th(String(e.sequence)), td(new Date(Number(e.recorded_at_us) / 1000).toLocaleString("ru-RU")),
      td(typeName(e.type)), el("td", { class: "actor" }, actorText(e)),
      el("td", { class: "credential" }, e.credential_id, el("div", { class: "muted" }, e.algorithm === "p256" ? "ECDSA P-256" : e.algorithm === "ed25519" ? "Ed25519" : "")),
      el("td", { class: "body" }, el("details", {}, el("summary", {}, e.type), el("pre", {}, JSON.stringify(e.body, null, 1))))))));
}

