// The methodist's timetable changes: move a coming lesson (date, period, room, reason) or cancel
// it; held lessons are not offered (R-LES-1).
import { JournalPageViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, main } from "../ui.js";
import { fmtDate, parseDate, isoOf } from "../dates.js";
import { read, submit, me } from "../session.js";
import { pickLoad, loadPicker, journalPath } from "../widgets.js";
import { loadSetup } from "./setup.js";

export async function timetablePage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Изменения расписания"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет страниц журнала.")); return; }
  m.append(loadPicker("timetable", sel));
  const [page, s] = await Promise.all([read(JournalPageViewSchema, journalPath(sel.load, sel.term)), loadSetup()]);
  const lessons = (page.lessons || []).filter((l) => isoOf(l.date) >= me.today);
  const shown = lessons.length ? lessons : (page.lessons || []).slice(-5);
  const pick = el("fieldset", { id: "tt-lessons" }, el("legend", {}, "Урок"), ...shown.map((l, i) => el("label", {},
    el("input", { type: "radio", name: "lesson", value: l.lessonId, disabled: l.cancelled || !!l.topic,
      checked: i === shown.findIndex((x) => !x.cancelled && !x.topic) }),
    ` ${fmtDate(l.date, false, true)}, ${l.period || "—"} урок, учитель ${s.userName(l.teacherId)}` + (l.cancelled ? " — отменён" : "") +
    (l.topic ? " (проведён)" : ""))));
  const chosen = () => {
    const r = pick.querySelector("input[name=lesson]:checked");
    if (!r) throw new Error("Выберите урок");
    return shown.find((l) => l.lessonId === r.value);
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
      const r = await submit({ case: "lessonMoved", value: { lessonId: l.lessonId, newDate: d,
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
      const r = await submit({ case: "lessonCancelled", value: { lessonId: l.lessonId, reason: cancelReason.value } },
        { businessDate: l.date });
      await timetablePage(params);
      status("Урок отменён: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  m.append(el("form", { id: "tt-pick", onsubmit: (e) => e.preventDefault() }, pick), move, cancel,
    el("p", { class: "muted" }, "Проведённый урок или урок с отметками не переносится и не отменяется (R-LES-1). " +
      "Замены учителей — на странице «Замены»."));
}
