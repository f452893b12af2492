// «Расписание»: a week of lessons as the timetable and its changes made them (GET .../timetable),
// for everyone: a teacher's own week by default, any class's or teacher's for the staff, the
// class of their child (or their own) for parents and students. A lesson that differs from the
// weekly timetable is marked and says how (moved, another room, a substitute, cancelled).
import { TimetableWeekViewSchema } from "gen/ejournal/v1/setup_pb.js";
import { el, clear, main, collator } from "../ui.js";
import { fmtDate, addDays, isoOf, parseDate, WEEKDAYS } from "../dates.js";
import { read, me, has, S, classesOf } from "../session.js";
import { go } from "../router.js";

// Monday to Saturday; Sunday only when a lesson falls on it.
const DAYS = WEEKDAYS.slice(0, 6);

export async function weekPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Расписание"));
  const staff = ["teacher", "class_teacher", "admin", "methodist", "deputy", "director", "auditor", "secretary"].some(has);
  // What may be shown: the user's own week (a teacher), the classes of their children or their own
  // class, and for staff every class of the school they know from /me.
  const choices = [];
  if (has("teacher")) choices.push({ key: "teacher:" + me.user_id, label: "Мои уроки", q: { teacher: me.user_id } });
  const classes = new Map();
  // A parent's or a student's class, named by the student ("класс: Иванов Пётр").
  for (const st of me.students || []) if (st.class_id && !classes.has(st.class_id)) classes.set(st.class_id, null);
  const studentOf = new Map((me.students || []).map((st) => [st.class_id, st.student_name]));
  if (staff) for (const c of classesOf(me)) classes.set(c.class_id, c.name);
  for (const l of staff ? me.loads || [] : []) classes.set(l.class_id, l.name);
  const labels = [...classes.entries()];
  for (const [id, name] of labels.sort((a, b) => collator.compare(a[1] || "", b[1] || ""))) {
    choices.push({ key: "class:" + id, label: name ? `${name} класс` : `класс: ${studentOf.get(id) || "ученика"}`, q: { class: id } });
  }
  if (!choices.length) { m.append(el("p", {}, "Расписание пока недоступно.")); return; }
  const chosen = choices.find((c) => c.key === params.get("of")) || choices[0];
  const week = params.get("week") || me.today;
  const pick = el("select", { id: "week-of", "aria-label": "Чьё расписание" }, ...choices.map((c) =>
    el("option", { value: c.key, selected: c.key === chosen.key }, c.label)));
  pick.onchange = () => go("week", { of: pick.value, week });
  const view = await read(TimetableWeekViewSchema, S() + "/timetable?" + new URLSearchParams({ ...chosen.q, week }));
  const monday = isoOf(view.weekStart);
  m.append(el("div", { class: "row" }, el("label", {}, "Расписание ", pick),
    el("button", { type: "button", class: "secondary", id: "week-prev", onclick: () => go("week", { of: chosen.key, week: addDays(monday, -7) }) }, "← Неделя"),
    el("span", {}, `${view.title}: неделя с ${fmtDate(view.weekStart)}`),
    el("button", { type: "button", class: "secondary", id: "week-next", onclick: () => go("week", { of: chosen.key, week: addDays(monday, 7) }) }, "Неделя →")));
  const lessons = view.lessons || [];
  if (!lessons.length) { m.append(el("p", {}, "На этой неделе уроков нет.")); return; }
  const periods = [...new Set(lessons.map((l) => l.period))].sort((a, b) => a - b);
  const days = DAYS.map((d, i) => addDays(monday, i)).filter((iso, i) => i < 5 || lessons.some((l) => isoOf(l.date) === iso));
  const cell = (iso, p) => el("td", { class: "slot" }, ...lessons.filter((l) => isoOf(l.date) === iso && l.period === p).map((l) =>
    el("div", { class: "slot-entry" + (l.changes.length ? " changed" : "") + (l.cancelled ? " cancelled" : ""), "data-lesson": l.lessonId },
      el("b", {}, l.subjectName), l.subgroupName ? ` (${l.subgroupName})` : "", el("br"),
      el("span", { class: "muted" }, view.title === l.classLabel ? l.teacherName : `${l.classLabel} класс`),
      l.room ? el("span", { class: "muted" }, `, каб. ${l.room}`) : "",
      ...l.changes.map((c) => el("div", { class: "change" }, c)))));
  m.append(el("div", { class: "scroll" }, el("table", { id: "week-grid", class: "week" },
    el("thead", {}, el("tr", {}, el("th", {}, "Урок"), ...days.map((iso) => el("th", {}, fmtDate(parseDate(iso), true, true))))),
    el("tbody", {}, ...periods.map((p) => {
      const any = lessons.find((l) => l.period === p && l.starts);
      return el("tr", {}, el("th", {}, String(p), any ? el("div", { class: "muted" }, `${any.starts}–${any.ends}`) : ""),
        ...days.map((iso) => cell(iso, p)));
    })))));
  if (lessons.some((l) => l.changes.length)) {
    m.append(el("p", { class: "muted" }, "Выделены уроки, которые отличаются от постоянного расписания."));
  }
}
