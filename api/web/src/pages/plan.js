// «Планирование (КТП)»: the teacher's calendar-thematic plan (R-PLAN-1) for a class-subject and
// period of their own teaching load, imported from the spreadsheet the teacher keeps (CSV saved by
// Excel or LibreOffice: lesson number, topic, hours, work type; setup/README.md). The file is
// checked first (POST .../imports/plan, nothing recorded), then recorded as the teacher's signed
// PlannedTopicsSet. The journal's lesson form then offers each lesson's planned topic.
import { ProposedEventsSchema, PlanProgressViewSchema } from "gen/ejournal/v1/setup_pb.js";
import { el, clear, status, main, failAt, clearFail, collator, workName, termName } from "../ui.js";
import { fmtDate } from "../dates.js";
import { read, me, S } from "../session.js";
import { showProposal } from "../proposals.js";



export async function planPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Планирование (КТП)"));
  const loads = (me.loads || []).filter((l) => l.own)
    .sort((a, b) => collator.compare(a.name, b.name) || collator.compare(a.subject_name, b.subject_name));
  if (!loads.length) { m.append(el("p", {}, "У вас нет учебной нагрузки: её назначает администратор.")); return; }
  const label = (l) => `${l.name}, ${l.subject_name}${l.subgroup_id ? " (подгруппа)" : ""}`;
  const pick = el("select", { id: "plan-load" }, ...loads.map((l, i) => el("option", { value: String(i) }, label(l))));
  const term = el("select", { id: "plan-term" });
  const fillTerms = () => {
    const l = loads[parseInt(pick.value, 10)];
    clear(term).append(...l.terms.map((t) => el("option", { value: String(t), selected: t === l.current_term }, termName(t, l.term_kind))));
  };
  pick.onchange = fillTerms;
  fillTerms();
  const file = el("input", { type: "file", id: "plan-file", accept: ".csv,text/csv", required: true });
  const preview = el("section", { id: "plan-preview", class: "panel", hidden: true });
  // Names for the ids a row's text may carry: the user's classes and subjects.
  const names = new Map(loads.flatMap((l) => [[l.class_id, l.name], [l.subject_id, l.subject_name]]));
  const f = el("form", { id: "plan-import" }, el("h2", {}, "Загрузить КТП из таблицы (CSV)"),
    el("p", { class: "muted" }, "Столбцы: «№ урока», «Тема», «Часы», «Вид работы» (названия столбцов по-русски, " +
      "разделитель — точка с запятой или запятая, кодировка UTF-8 или Windows-1251). Сначала файл проверяется, " +
      "записывается — после «Записать»."),
    el("div", { class: "row" }, el("label", {}, "Класс и предмет ", pick), el("label", {}, "Период ", term),
      el("label", {}, "Файл ", file)),
    el("button", { type: "submit" }, "Проверить"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const l = loads[parseInt(pick.value, 10)];
      if (!file.files[0]) throw new Error("Выберите файл");
      const q = new URLSearchParams({ class: l.class_id, subject: l.subject_id, term: term.value, file: file.files[0].name });
      if (l.subgroup_id) q.set("subgroup", l.subgroup_id);
      const p = await read(ProposedEventsSchema, S() + "/imports/plan?" + q,
        { method: "POST", body: await file.files[0].arrayBuffer(), type: "text/csv" });
      showProposal(preview, p, async (text, ok) => {
        if (ok) { await planPage(); status(text); } else status(text, true);
      }, null, names);
    } catch (e) { failAt(f, e); }
  };
  m.append(f, preview, await progressSection(loads));
}

// R-PLAN-1: each plan of the teacher's load beside its lessons: the hours against the load, the
// lessons held, and per planned hour the lesson it falls on and the topic recorded there.
async function progressSection(loads) {
  const view = await read(PlanProgressViewSchema, S() + "/plans");
  const box = el("section", { id: "plan-progress", "aria-labelledby": "plan-progress-h" },
    el("h2", { id: "plan-progress-h" }, "Планы и проведённые уроки"));
  if (!view.plans.length) { box.append(el("p", {}, "Планов ещё нет: загрузите КТП выше.")); return box; }
  for (const p of view.plans) {
    const kind = (loads.find((l) => l.class_id === p.classId) || {}).term_kind;
    const period = p.termNumber ? termName(p.termNumber, kind) : "учебный год";
    box.append(el("article", { class: "panel plan", "data-plan": p.planId },
      el("h3", {}, `${p.classLabel}, ${p.subjectName}, ${period}`),
      el("p", { class: "plan-summary" }, `По плану ${p.plannedHours} ч; по нагрузке ${p.loadHours} ч ` +
        `(${p.weeklyHours} в неделю, учебных недель: ${p.weeks}); уроков в расписании ${p.lessonsScheduled}, проведено ${p.lessonsHeld}.`),
      p.hoursNote ? el("p", { class: "error-text plan-note" }, p.hoursNote + " (R-PLAN-1)") : "",
      el("div", { class: "scroll" }, el("table", { class: "plan-lessons" },
        el("thead", {}, el("tr", {}, el("th", {}, "№"), el("th", {}, "Тема по плану"), el("th", {}, "Вид работы"),
          el("th", {}, "Урок"), el("th", {}, "Проведён"))),
        el("tbody", {}, ...p.lessons.map((l) => el("tr", { class: l.held ? "" : "muted" },
          el("td", {}, String(l.position)), el("td", { class: "text-left" }, l.plannedTopic),
          el("td", {}, l.plannedWorkType ? workName(l.plannedWorkType) : ""),
          el("td", {}, l.date ? fmtDate(l.date, false, true) + (l.period ? `, ${l.period}-й урок` : "") : "не в расписании"),
          el("td", { class: "text-left" }, l.held ? (l.topic === l.plannedTopic ? "да" : `да: «${l.topic}»`) : ""))))))));
  }
  return box;
}
