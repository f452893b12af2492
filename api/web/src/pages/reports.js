// The reports (deputy, director, auditor): class progress by class with its chart, the monthly
// control, the summary statement, problems, substitutions, parents' acknowledgements, and
// attendance by month with its chart.
import { PeriodKind, AttestationStatus } from "gen/ejournal/v1/journal_pb.js";
import { ClassProgressViewSchema, MonthlyControlViewSchema, SummaryStatementViewSchema, ProblemsReportViewSchema,
  SubstitutionsReportViewSchema, AcknowledgementReportViewSchema, AttendanceReportViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { el, clear, main, pct, mean, reasonName, termName } from "../ui.js";
import { fmtDate, addDays } from "../dates.js";
import { read, S, me, classesOf } from "../session.js";
import { go } from "../router.js";
import { classPicker } from "../widgets.js";
import { exportBar } from "../export.js";
import { table, th, td, nameOf, byStudentName, studentTh } from "../tables.js";
import { MONTHS, progressChart, attendanceChart } from "../charts.js";

const KINDS = [["progress", "Успеваемость по классам"], ["control", "Ежемесячный контроль"],
  ["summary", "Сводная ведомость"], ["problems", "Проблемы: «2» и пропуски"],
  ["substitutions", "Замены"], ["acks", "Ознакомление родителей"], ["attendance", "Посещаемость по месяцам"]];

export async function reportsPage(params) {
  const m = clear(main());
  const kind = KINDS.some((k) => k[0] === params.get("kind")) ? params.get("kind") : "progress";
  m.append(el("h1", {}, "Отчёты"));
  const classes = classesOf(me);
  const cls = classes.find((c) => c.class_id === params.get("class")) || classes[0];
  const [y, mo] = me.today.split("-").map((x) => parseInt(x, 10));
  const month = params.get("month") || `${y}-${String(mo).padStart(2, "0")}`;
  // By default the latest finished term (term marks are entered at a term's end), else the first.
  const term = parseInt(params.get("term") || "", 10) || (cls && cls.current_term) || 1;
  const keep = { kind, class: cls ? cls.class_id : "", month, term };
  const kindSel = el("select", { id: "report-kind", "aria-label": "Отчёт" }, ...KINDS.map(([k, t]) =>
    el("option", { value: k, selected: k === kind }, t)));
  kindSel.onchange = () => go("reports", { ...keep, kind: kindSel.value });
  const monthIn = el("input", { type: "month", id: "report-month", value: month, "aria-label": "Месяц" });
  monthIn.onchange = () => go("reports", { ...keep, month: monthIn.value });
  const termSel = el("select", { id: "report-term", "aria-label": "Период" }, ...((cls && cls.terms) || [1, 2, 3, 4]).map((t) =>
    el("option", { value: t, selected: t === term }, termName(t, cls && cls.term_kind))));
  termSel.onchange = () => go("reports", { ...keep, term: termSel.value });
  m.append(el("div", { class: "row" }, el("label", {}, "Отчёт ", kindSel),
    ["summary", "problems", "acks", "control"].includes(kind) && cls ? classPicker("reports", classes, cls, keep) : "",
    ["control", "problems", "substitutions", "acks"].includes(kind) ? el("label", {}, "Месяц ", monthIn) : "",
    kind === "progress" ? el("label", {}, "Период ", termSel) : ""));
  const [my, mm] = month.split("-").map((x) => parseInt(x, 10));
  const from = `${month}-01`;
  const to = addDays(`${mm === 12 ? my + 1 : my}-${String(mm === 12 ? 1 : mm + 1).padStart(2, "0")}-01`, -1);
  const box = el("section", { id: "report", "aria-live": "polite" });
  m.append(exportBar(box, KINDS.find((k) => k[0] === kind)[1]), box);
  // Every report is a view message of reports.proto.
  const q = (schema, name, p) => read(schema, S() + "/reports/" + name + "?" + new URLSearchParams(p).toString());
  // A report's ids by the names it carries (ReportView.names): classes, groups, subjects, people.
  const namer = (r) => { const n = new Map((r.names || []).map((x) => [x.id, x.name])); return (id) => n.get(id) || id; };
  if (kind === "attendance") return attendanceReport(box);
  if (kind === "progress") {
    // One class-progress report per class: the chart compares them.
    const reports = await Promise.all(classes.map((c) => q(ClassProgressViewSchema, "class-progress", { class: c.class_id, year_id: c.year_id, kind: "term", term })
      .then((r) => ({ c, r }), () => ({ c, r: null }))));
    const ok = reports.filter((x) => x.r);
    box.append(el("h2", {}, `Успеваемость по классам, ${termName(term, cls && cls.term_kind)}`), progressChart(ok),
      el("p", { class: "muted" }, "Качество — доля «4» и «5»; успеваемость — доля без «2» и «1»; средний балл — по шкале справа (из 5)."),
      table("progress-table", ["Класс", "Учеников", "Отличники", "Хорошисты", "С «2» или н/а", "Качество", "Успеваемость", "Средний балл"],
        ok.map(({ c, r }) => el("tr", {}, th(c.name), td(r.students || 0), td(r.studentsExcellent || 0), td(r.studentsGood || 0),
          td(r.studentsFailing || 0), td(pct(r.qualityPercentX100 || 0)), td(pct(r.successPercentX100 || 0)), td(mean(r.meanX100 || 0))))));
    return;
  }
  if (kind === "control") {
    const r = await q(MonthlyControlViewSchema, "monthly-control", { year: my, month: mm, class: cls ? cls.class_id : "" });
    const n = namer(r);
    const share = (a, b) => (b ? Math.round((100 * a) / b) + " %" : "—");
    box.append(el("h2", {}, `Ежемесячный контроль: ${MONTHS[mm - 1]} ${my}`),
      table("control-table", ["Учитель", "Класс", "Предмет", "Уроков по плану / проведено", "С темой", "С ДЗ", "Без отметок", "С одной отметкой",
        "Отметок с опозданием", "ДЗ с опозданием", "Пропуски с причиной", "Замены"],
      (r.rows || []).map((x) => el("tr", {}, th(n(x.teacherId)), td(n(x.classId) + (x.subgroupId ? " (" + n(x.subgroupId) + ")" : "")), td(n(x.subjectId)),
        td(`${x.lessonsPlanned || 0} / ${x.lessonsHeld || 0}`), td(share(x.lessonsWithTopic || 0, x.lessonsHeld || 0)),
        td(share(x.lessonsWithHomework || 0, x.lessonsHeld || 0)), td(`${x.studentsWithoutMarks || 0} из ${x.students || 0}`),
        td(x.studentsWithOneMark || 0), td(`${x.marksLate || 0} из ${x.marks || 0}`), td(`${x.homeworkLate || 0} из ${x.homework || 0}`),
        td(`${x.absencesClassified || 0} из ${x.absences || 0}`), td(x.lessonsSubstituted || 0)))));
    if (!(r.rows || []).length) box.append(el("p", {}, "В этом месяце уроков нет."));
    return;
  }
  if (kind === "summary") {
    const r = await q(SummaryStatementViewSchema, "summary-statement", { class: cls.class_id, year_id: cls.year_id });
    const subjects = r.subjectIds || [];
    const n = namer(r);
    const label = (c) => (c.kind === PeriodKind.YEAR ? "год" : c.kind === PeriodKind.FINAL ? "итог" : c.termNumber + "ч");
    const val = (c) => c.value || (c.status === AttestationStatus.EXEMPT ? "осв" : c.status === AttestationStatus.NOT_ATTESTED ? "н/а" : "");
    box.append(el("h2", {}, `Сводная ведомость ${cls.name}`),
      table("summary-table", ["Ученик", ...subjects.map(n)], byStudentName(r.rows).map((row) => el("tr", {}, studentTh(row.studentId, nameOf(row)),
        ...subjects.map((s) => td((row.marks || []).filter((c) => c.subjectId === s).map((c) => label(c) + ": " + val(c)).join(", ")))))));
    if (!(r.rows || []).length) box.append(el("p", {}, "Итоговых отметок пока нет."));
    return;
  }
  if (kind === "problems") {
    const r = await q(ProblemsReportViewSchema, "problems", { class: cls.class_id, from, to });
    const n = namer(r);
    box.append(el("h2", {}, `Неудовлетворительные отметки и пропуски, ${cls.name}, ${MONTHS[mm - 1]} ${my}`),
      table("problems-table", ["Ученик", "«2» и «1»", "Пропуски"], byStudentName(r.students).map((s) => el("tr", {}, studentTh(s.studentId, nameOf(s)),
        td((s.unsatisfactory || []).map((x) => `${fmtDate(x.date, true)} ${n(x.subjectId)}: ${x.value}` + (x.topic ? ` («${x.topic}»)` : "")).join("; ")),
        td((s.missed || []).map((x) => `${fmtDate(x.date, true)} ${n(x.subjectId)} (${reasonName(x.absenceReason)})`).join("; "))))));
    if (!(r.students || []).length) box.append(el("p", {}, "Нет ни «2», ни пропусков."));
    return;
  }
  if (kind === "substitutions") {
    const r = await q(SubstitutionsReportViewSchema, "substitutions", { from, to });
    const n = namer(r);
    box.append(el("h2", {}, `Замены, ${MONTHS[mm - 1]} ${my}`),
      table("substitutions-table", ["Отсутствовал", "Заменял", "Уроки (✓ — проведён)", "Состояние"], (r.substitutions || []).map((s) => el("tr", { "data-substitution": s.substitutionId },
        th(n(s.absentTeacherId)), td(n(s.substituteTeacherId)),
        td((s.lessons || []).map((l) => `${fmtDate(l.date, true)}, ${l.period}-й урок: ${n(l.classId)}, ${n(l.subjectId)}` + (l.held ? " ✓" : "")).join("; ")),
        td(s.cancelled ? "отменена" : "действует")))));
    if (!(r.substitutions || []).length) box.append(el("p", {}, "Замен не было."));
    return;
  }
  if (kind === "acks") {
    const r = await q(AcknowledgementReportViewSchema, "acknowledgements", { class: cls.class_id, from, to });
    box.append(el("h2", {}, `Ознакомление родителей с дневником, ${cls.name}: ${pct(r.ratePercentX100 || 0)}`),
      table("acks-table", ["Неделя с", "Учеников", "Ознакомлены", "Изменилось после", "На бумаге", "Доля"], (r.weeks || []).map((w) => el("tr", {},
        th(fmtDate(w.weekStart)), td(w.students || 0), td(w.acknowledged || 0), td(w.changedSince || 0), td(w.paper || 0), td(pct(w.ratePercentX100 || 0))))));
  }
}

// Attendance by month since the school year began: a stacked bar chart and its table.
async function attendanceReport(box) {
  box.append(el("h2", {}, "Посещаемость по месяцам"));
  const [y, mo] = me.today.split("-").map((x) => parseInt(x, 10));
  const from = `${mo >= 9 ? y : y - 1}-09-01`;
  const r = await read(AttendanceReportViewSchema, S() + "/reports/attendance?from=" + from + "&to=" + me.today);
  const byMonth = new Map();
  for (const row of r.months || []) {
    const k = row.year * 100 + row.month;
    const a = byMonth.get(k) || { year: row.year, month: row.month, illness: 0, valid: 0, not_valid: 0, unclassified: 0, late: 0 };
    a.illness += row.illness || 0; a.valid += row.validReason || 0; a.not_valid += row.notValid || 0;
    a.unclassified += row.unclassified || 0; a.late += row.late || 0;
    byMonth.set(k, a);
  }
  const months = [...byMonth.keys()].sort((a, b) => a - b).map((k) => byMonth.get(k));
  const parts = [["illness", "по болезни", "#4e79a7"], ["valid", "уважительная", "#59a14f"],
    ["not_valid", "неуважительная", "#e15759"], ["unclassified", "не указана", "#bab0ac"]];
  box.append(attendanceChart(months, parts),
    el("p", { class: "muted" }, ...parts.map(([, name], i) => (i ? ", " : "") + name + " — " + ["синий", "зелёный", "красный", "серый"][i])),
    table("attendance-table", ["Месяц", ...parts.map((p) => p[1]), "опоздания"], months.map((a) => el("tr", {},
      th(`${MONTHS[a.month - 1]} ${a.year}`), ...parts.map(([k]) => td(a[k])), td(a.late)))));
}
