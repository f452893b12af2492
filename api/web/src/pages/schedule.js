// «Расписание уроков»: the methodist's weekly timetable of a class (TimetableSlotSet /
// TimetableSlotRemoved, R-SET-3) and the lessons made from it for a range of days (POST
// .../lessons:generate, then signed and submitted by the methodist: R-SET-1, R-LES-1).
import { ProposedEventsSchema } from "gen/ejournal/v1/setup_pb.js";
import { el, clear, status, main, failAt, clearFail, byRu, collator } from "../ui.js";
import { fmtDate, parseDate, isoOf, addDays } from "../dates.js";
import { read, submit, has, me, S, uuid } from "../session.js";
import { go } from "../router.js";
import { showProposal } from "../proposals.js";
import { loadSetup } from "./setup.js";

const DAYS = [[1, "Пн"], [2, "Вт"], [3, "Ср"], [4, "Чт"], [5, "Пт"], [6, "Сб"]];
const DAY_NAMES = ["", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"];
const kPeriods = 8;
// TimetableSlotSet.weeks (WeekParity): a two-week timetable's weeks.
const WEEKS = ["каждую неделю", "1-я неделя", "2-я неделя"];

// A slot holds on `iso` (YYYY-MM-DD) when its `valid` range covers it (an open end: to the end of
// the year).
const holds = (slot, iso) => (!slot.valid || !slot.valid.firstDay || isoOf(slot.valid.firstDay) <= iso) &&
  (!slot.valid || !slot.valid.lastDay || isoOf(slot.valid.lastDay) >= iso);

export async function schedulePage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Расписание уроков"));
  const s = await loadSetup();
  const edit = has("methodist") || has("admin");
  const classes = [...s.v.classes].sort(byRu((c) => c.label));
  if (!classes.length) { m.append(el("p", {}, "В школе ещё нет классов.")); return; }
  const classId = classes.some((c) => c.created.classId === params.get("class")) ? params.get("class") : classes[0].created.classId;
  const on = params.get("on") || me.today;
  const again = async (text) => { await schedulePage(params); if (text) status(text); };

  const pick = el("select", { id: "schedule-class", "aria-label": "Класс" }, ...classes.map((c) =>
    el("option", { value: c.created.classId, selected: c.created.classId === classId }, c.label)));
  const onDate = el("input", { type: "date", id: "schedule-on", value: on, "aria-label": "На дату" });
  const nav = () => go("schedule", { class: pick.value, on: onDate.value || me.today });
  pick.onchange = nav;
  onDate.onchange = nav;
  m.append(el("form", { id: "schedule-pick", class: "row", onsubmit: (e) => { e.preventDefault(); nav(); } },
    el("label", {}, "Класс ", pick), el("label", {}, "Расписание на дату ", onDate)));

  // The week grid: Пн..Сб × уроки 1..8, the slots that hold on `on`.
  const subgroupName = new Map(s.v.subgroups.map((g) => [g.subgroupId, g.name]));
  const slots = s.v.timetable.filter((t) => t.classId === classId && holds(t, on));
  const removeFrom = el("input", { type: "date", id: "remove-from", value: on, "aria-label": "Убрать с даты" });
  const grid = el("table", { id: "schedule-grid", class: "week" },
    el("thead", {}, el("tr", {}, el("th", {}, "Урок"), ...DAYS.map(([, d]) => el("th", {}, d)))),
    el("tbody", {}, ...Array.from({ length: kPeriods }, (_, i) => i + 1).map((p) => el("tr", {}, el("th", {}, String(p)),
      ...DAYS.map(([wd]) => el("td", { class: "slot", "data-weekday": wd, "data-period": p },
        ...slots.filter((t) => t.weekday === wd && t.period === p)
          .sort(byRu((t) => subgroupName.get(t.subgroupId) || ""))
          .map((t) => el("div", { class: "slot-entry", "data-slot": t.slotId },
            el("b", {}, s.subjectName(t.subjectId)), t.subgroupId ? ` (${subgroupName.get(t.subgroupId) || "группа"})` : "",
            t.individualStudentId ? ` (на дому: ${s.userName(t.individualStudentId)})` : "",
            el("br"), el("span", { class: "muted" }, s.userName(t.teacherId)),
            t.room ? el("span", { class: "muted" }, `, каб. ${t.room}`) : "",
            t.weeks ? el("span", { class: "muted slot-weeks" }, ` (${WEEKS[t.weeks]})`) : "",
            edit ? el("button", { type: "button", class: "secondary small slot-change", title: "Изменить с даты",
              onclick: () => changeSlot(t) }, "изменить") : "",
            edit ? el("button", { type: "button", class: "secondary small slot-remove", title: "Убрать из расписания",
              onclick: (ev) => removeSlot(ev.target.closest("td"), t) }, "убрать") : ""))))))));
  const gridBox = el("section", { class: "panel", id: "schedule-week" },
    el("h2", {}, `${s.classLabel(classId)}: расписание, действующее ${fmtDate(parseDate(on))}`),
    el("div", { class: "scroll" }, grid),
    slots.length ? "" : el("p", { class: "muted" }, "На эту дату у класса нет уроков в расписании."),
    edit ? el("div", { class: "row" }, el("label", {}, "Убирать уроки из расписания с даты ", removeFrom)) : "");
  m.append(gridBox);

  m.append(bellsSection(s, edit, on, again));

  let changeSlot = () => {};
  async function removeSlot(cell, t) {
    clearFail(gridBox);
    try {
      const from = parseDate(removeFrom.value || on);
      const r = await submit({ case: "timetableSlotRemoved", value: { slotId: t.slotId, effectiveFrom: from } },
        { businessDate: from });
      await again(`Урок «${s.subjectName(t.subjectId)}» (${DAY_NAMES[t.weekday]}, ${t.period}-й) убран из расписания с ${fmtDate(from)}: запись №${r.sequence}.`);
    } catch (e) { failAt(gridBox, e); }
  }
  if (!edit) return;

  // A new slot: the subject, teacher and group from the class's teaching loads (the teacher must
  // hold the load for it).
  const loads = s.v.loads.filter((l) => l.classId === classId && (!l.dates || !l.dates.lastDay || isoOf(l.dates.lastDay) >= on))
    .sort((a, b) => collator.compare(s.subjectName(a.subjectId), s.subjectName(b.subjectId)) ||
      collator.compare(subgroupName.get(a.subgroupId) || "", subgroupName.get(b.subgroupId) || ""));
  const load = el("select", { id: "slot-load", required: true }, ...loads.map((l) => el("option", { value: l.loadId },
    `${s.subjectName(l.subjectId)}${l.subgroupId ? " (" + (subgroupName.get(l.subgroupId) || l.subgroupId) + ")" : ""} — ${s.userName(l.teacherId)}`)));
  const weekday = el("select", { id: "slot-weekday" }, ...DAYS.map(([n]) => el("option", { value: String(n) }, DAY_NAMES[n])));
  const period = el("select", { id: "slot-period" }, ...Array.from({ length: kPeriods }, (_, i) =>
    el("option", { value: String(i + 1) }, `${i + 1}-й урок`)));
  const room = el("input", { id: "slot-room", size: 8 });
  const validFrom = el("input", { type: "date", id: "slot-from", required: true, value: on });
  const weeks = el("select", { id: "slot-weeks" }, ...WEEKS.map((w, i) => el("option", { value: String(i) }, w)));
  // Обучение на дому (R-LES-2): a slot of one home-schooled student's individual lessons, on that
  // student's own journal pages.
  const cls = s.classes.get(classId);
  const homeSchooled = [...((cls && cls.homeSchooledIds) || [])].sort(byRu(s.userName));
  const forWhom = el("select", { id: "slot-student" }, el("option", { value: "" }, "класс или группа по нагрузке"),
    ...homeSchooled.map((id) => el("option", { value: id }, `${s.userName(id)} — обучение на дому`)));
  // «Изменить с даты» fills this form with a slot: submitting it ends that slot the day before and
  // records the changed one from that day (R-SET-3), so that lessons before it keep their place.
  let replacing = null;
  const heading = el("h2", {}, "Добавить урок в расписание");
  const submitButton = el("button", { type: "submit" }, "Добавить");
  const cancelChange = el("button", { type: "button", class: "secondary", hidden: true, onclick: () => {
    replacing = null;
    heading.textContent = "Добавить урок в расписание";
    submitButton.textContent = "Добавить";
    cancelChange.hidden = true;
  } }, "Не изменять");
  changeSlot = (t) => {
    replacing = t;
    const l = loads.find((x) => x.teacherId === t.teacherId && x.subjectId === t.subjectId && (x.subgroupId || "") === (t.subgroupId || ""));
    if (l) load.value = l.loadId;
    weekday.value = String(t.weekday);
    period.value = String(t.period);
    room.value = t.room || "";
    weeks.value = String(t.weeks || 0);
    forWhom.value = t.individualStudentId || "";
    validFrom.value = on > me.today ? on : me.today;
    heading.textContent = `Изменить с даты: ${s.subjectName(t.subjectId)}, ${DAY_NAMES[t.weekday]}, ${t.period}-й урок`;
    submitButton.textContent = "Изменить с этой даты";
    cancelChange.hidden = false;
    add.scrollIntoView({ block: "center" });
    load.focus();
  };
  const add = el("form", { id: "add-slot" }, heading,
    el("div", { class: "row" }, el("label", {}, "Предмет и учитель ", load), el("label", {}, "День ", weekday),
      el("label", {}, "Урок № ", period), el("label", {}, "Кабинет ", room), el("label", {}, "Недели ", weeks),
      el("label", {}, "Действует с ", validFrom), homeSchooled.length ? el("label", {}, "Для кого ", forWhom) : ""),
    el("p", { class: "muted" }, "Расписание на две недели: 1-я неделя — та, в которой начинается учебный год, дальше недели чередуются, каникулы тоже считаются."),
    el("div", { class: "row" }, submitButton, cancelChange),
    loads.length ? "" : el("p", { class: "error-text" }, "У класса нет учебной нагрузки: её назначает администратор."));
  add.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(add);
    try {
      const l = loads.find((x) => x.loadId === load.value);
      if (!l) throw new Error("Выберите предмет и учителя");
      const from = parseDate(validFrom.value);
      const student = homeSchooled.length ? forWhom.value : "";
      const slot = { slotId: "slot-" + uuid(), classId, subgroupId: student ? "" : l.subgroupId,
        subjectId: l.subjectId, teacherId: l.teacherId, weekday: parseInt(weekday.value, 10), period: parseInt(period.value, 10),
        room: room.value.trim(), valid: { firstDay: from }, weeks: parseInt(weeks.value, 10), individualStudentId: student };
      const what = `«${s.subjectName(l.subjectId)}»${student ? " для " + s.userName(student) + " (на дому)" : ""} (${DAY_NAMES[weekday.value]}, ${period.value}-й урок)`;
      if (!replacing) {
        const r = await submit({ case: "timetableSlotSet", value: slot }, { businessDate: from });
        await again(`Урок ${what} добавлен в расписание: запись №${r.sequence}.`);
        return;
      }
      const old = replacing;
      await submit({ case: "timetableSlotRemoved", value: { slotId: old.slotId, effectiveFrom: from } }, { businessDate: from });
      try {
        const r = await submit({ case: "timetableSlotSet", value: slot }, { businessDate: from });
        await again(`Расписание изменено с ${fmtDate(from)}: ${what}, запись №${r.sequence}. ` +
          "Уроки с этой даты пересоздайте кнопкой «Проверить» ниже: уже проведённые останутся.");
      } catch (e) {
        // The changed slot was refused (a clash): the old one holds again, as it was.
        await submit({ case: "timetableSlotSet", value: old }, { businessDate: old.valid.firstDay });
        throw e;
      }
    } catch (e) { failAt(add, e); }
  };
  m.append(add);

  // Lessons from the timetable for a range of days, for the whole school.
  const gFrom = el("input", { type: "date", id: "generate-from", required: true, value: me.today });
  const gTo = el("input", { type: "date", id: "generate-to", required: true, value: addDays(me.today, 6) });
  const preview = el("section", { id: "generate-preview", class: "panel", hidden: true });
  const gen = el("form", { id: "generate-form" }, el("h2", {}, "Создать уроки по расписанию"),
    el("p", { class: "muted" }, "Для всех классов школы. Сначала посмотрите, что будет создано, затем нажмите «Записать»."),
    el("div", { class: "row" }, el("label", {}, "С ", gFrom), el("label", {}, "По ", gTo),
      el("button", { type: "submit" }, "Проверить")));
  gen.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(gen);
    try {
      const p = await read(ProposedEventsSchema, S() + "/lessons:generate", { method: "POST", json: { from: gFrom.value, to: gTo.value } });
      showProposal(preview, p, async (text, ok) => { if (ok) { await again(); status(text); } }, (b) => {
        const v = b.payload.value;
        if (b.payload.case === "lessonScheduled") {
          return `${fmtDate(v.date, false, true)}, ${s.classLabel(v.classId)}${v.subgroupId ? " (" + (subgroupName.get(v.subgroupId) || "группа") + ")" : ""}` +
            `${v.individualStudentId ? " (на дому: " + s.userName(v.individualStudentId) + ")" : ""}, ` +
            `${v.period}-й урок — ${s.subjectName(v.subjectId)}, ${s.userName(v.teacherId)}${v.room ? ", каб. " + v.room : ""}`;
        }
        if (b.payload.case === "lessonCancelled") return `отмена урока: ${v.reason || ""}`;
        return "";
      }, s.names);
    } catch (e) { failAt(gen, e); }
  };
  m.append(gen, preview);
}

// ---------------------------------------------------------------- bells
const hhmm = (min) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
const minutesOf = (v) => { const [h, mm] = v.split(":").map((x) => parseInt(x, 10)); return h * 60 + mm; };

// «Звонки» (BellScheduleSet): the schedules that hold on `on`, and for the methodist and the
// administrator a form: the periods' times (45-minute lessons with the usual breaks to start
// from), the grades and the first day. Re-issued with the same name, a schedule replaces it.
function bellsSection(s, edit, on, again) {
  const box = el("section", { class: "panel", id: "bells" }, el("h2", {}, "Звонки"));
  const current = s.v.bells.filter((b) => holds(b, on)).sort(byRu((b) => b.name));
  if (!current.length) box.append(el("p", { class: "muted" }, "Расписание звонков ещё не задано."));
  for (const b of current) {
    box.append(el("h3", {}, b.name + ((b.grades || []).length ? ` (классы ${b.grades.join(", ")})` : "") +
      (b.valid && b.valid.firstDay ? `, с ${fmtDate(b.valid.firstDay)}` : "")),
    el("table", { class: "bells", "data-bells": b.bellScheduleId }, el("thead", {}, el("tr", {}, el("th", {}, "Урок"), el("th", {}, "Начало"), el("th", {}, "Конец"))),
      el("tbody", {}, ...[...b.periods].sort((x, y) => x.number - y.number).map((p) => el("tr", {},
        el("td", {}, String(p.number)), el("td", {}, hhmm(p.startMinutes)), el("td", {}, hhmm(p.endMinutes)))))));
  }
  if (!edit) return box;
  // 08:30, 45-minute lessons, breaks of 10 minutes and 20 after the 2nd and 3rd.
  const BREAKS = [10, 20, 20, 10, 10, 10, 10];
  let t = 8 * 60 + 30;
  const usual = Array.from({ length: kPeriods }, (_, i) => { const p = [t, t + 45]; t += 45 + (BREAKS[i] || 10); return p; });
  const rows = el("tbody", { id: "bell-rows" }, ...usual.map(([a, b], i) => el("tr", {},
    el("td", {}, String(i + 1)),
    el("td", {}, el("input", { type: "time", class: "bell-start", value: hhmm(a), "aria-label": `${i + 1}-й урок: начало` })),
    el("td", {}, el("input", { type: "time", class: "bell-end", value: hhmm(b), "aria-label": `${i + 1}-й урок: конец` })))));
  const name = el("input", { id: "bell-name", required: true, value: current.length ? current[0].name : "Основное", size: 20 });
  const grades = el("input", { id: "bell-grades", size: 12, placeholder: "все классы", "aria-label": "Классы (параллели)" });
  const from = el("input", { type: "date", id: "bell-from", required: true, value: on });
  const f = el("form", { id: "bell-form" }, el("h3", {}, "Задать звонки"),
    el("div", { class: "row" }, el("label", {}, "Название ", name), el("label", {}, "Параллели ", grades),
      el("label", {}, "Действует с ", from)),
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Урок"), el("th", {}, "Начало"),
      el("th", {}, "Конец"))), rows)),
    el("p", { class: "muted" }, "Пустые строки не записываются. Параллели через запятую: «1» — только первые классы."),
    el("button", { type: "submit" }, "Записать звонки"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const periods = [];
      [...rows.querySelectorAll("tr")].forEach((tr, i) => {
        const a = tr.querySelector(".bell-start").value, b = tr.querySelector(".bell-end").value;
        if (!a && !b) return;
        if (!a || !b || minutesOf(b) <= minutesOf(a)) throw new Error(`${i + 1}-й урок: конец должен быть позже начала (R-TIME-1)`);
        if (periods.length && minutesOf(a) < periods[periods.length - 1].endMinutes) throw new Error(`${i + 1}-й урок начинается до конца предыдущего`);
        periods.push({ number: i + 1, startMinutes: minutesOf(a), endMinutes: minutesOf(b) });
      });
      if (!periods.length) throw new Error("Задайте время хотя бы одного урока");
      const gradeList = grades.value.split(/[ ,;]+/).filter(Boolean).map((g) => parseInt(g, 10));
      if (gradeList.some((g) => !(g >= 1 && g <= 11))) throw new Error("Параллели — числа от 1 до 11");
      const old = s.v.bells.find((b) => b.name === name.value.trim());
      const first = parseDate(from.value);
      const r = await submit({ case: "bellScheduleSet", value: { bellScheduleId: old ? old.bellScheduleId : "bells-" + uuid(),
        name: name.value.trim(), periods, grades: gradeList, valid: { firstDay: first } } }, { businessDate: first });
      await again(`Звонки «${name.value.trim()}» записаны: запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  box.append(f);
  return box;
}
