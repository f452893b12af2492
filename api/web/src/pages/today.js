// «Мой день», the teacher's landing page: the lessons of today (or of the next school day that has
// any), in order, each with its time, class, subject, room and how it differs from the timetable,
// and a link to its journal page opened on that lesson; below, the teacher's requests that await
// the deputy (R-COR-1).
import { TimetableWeekViewSchema } from "gen/ejournal/v1/setup_pb.js";
import { PendingCorrectionsViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { el, clear, main } from "../ui.js";
import { fmtDate, addDays, isoOf, parseDate } from "../dates.js";
import { read, me, S } from "../session.js";
import { requestText } from "../widgets.js";
import { latestAnnouncements } from "./news.js";

// The school days looked ahead for the next lessons (two weeks cover any holiday but the long ones).
const kWeeksAhead = 2;

export async function todayPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Мой день"));
  let day = "", lessons = [];
  for (let w = 0; w < kWeeksAhead && !lessons.length; w++) {
    const view = await read(TimetableWeekViewSchema, S() + "/timetable?" +
      new URLSearchParams({ teacher: me.user_id, week: addDays(me.today, 7 * w) }));
    const ahead = (view.lessons || []).filter((l) => isoOf(l.date) >= me.today);
    if (ahead.length) {
      day = ahead.map((l) => isoOf(l.date)).sort()[0];
      lessons = ahead.filter((l) => isoOf(l.date) === day).sort((a, b) => a.period - b.period);
    }
  }
  if (!lessons.length) {
    m.append(el("p", {}, "В ближайшие две недели уроков нет."));
  } else {
    m.append(el("h2", {}, (day === me.today ? "Сегодня, " : "Следующие уроки: ") + fmtDate(parseDate(day), false, true)),
      el("ol", { id: "today-lessons", class: "cards" }, ...lessons.map(lessonCard)));
  }
  const queue = await read(PendingCorrectionsViewSchema, S() + "/corrections");
  const mine = queue.requests || [];
  m.append(el("section", { id: "today-requests", "aria-labelledby": "today-requests-h" },
    el("h2", { id: "today-requests-h" }, "Заявки у завуча: " + mine.length),
    mine.length ? el("ul", {}, ...mine.map((r) => el("li", {}, `${fmtDate(r.businessDate)}, ` +
      [r.className, r.subjectName, r.studentName].filter(Boolean).join(", ") + ": " + requestText(r.proposal).text +
      ` — «${r.reason}»`))) : el("p", { class: "muted" }, "Все заявки решены.")),
    await latestAnnouncements());
}

function lessonCard(l) {
  const i = me.loads.findIndex((x) => x.class_id === l.classId && x.subject_id === l.subjectId &&
    (x.subgroup_id || "") === (l.subgroupId || ""));
  const load = me.loads[i];
  const href = i >= 0 ? `#/journal?load=${i}&term=${load.current_term || load.terms[0] || 1}&lesson=${encodeURIComponent(l.lessonId)}` : "#/journal";
  return el("li", { class: "card today-lesson" + (l.cancelled ? " cancelled" : ""), "data-lesson": l.lessonId },
    el("div", { class: "muted" }, `${l.period}-й урок` + (l.starts ? `, ${l.starts}–${l.ends}` : "") + (l.room ? `, каб. ${l.room}` : "")),
    el("b", {}, `${l.classLabel} класс · ${l.subjectName}` + (l.subgroupName ? ` (${l.subgroupName})` : "")),
    ...(l.changes || []).map((c) => el("div", { class: "change" }, c)),
    l.cancelled ? "" : el("div", {}, el("a", { href, class: "today-open" }, "Открыть журнал урока")));
}
