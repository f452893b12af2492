// The methodist's substitutions (R-SUB-1): assign a substitute teacher to lessons of a
// class-subject-term, and cancel a substitution in force with a reason.
import { JournalPageViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, main, byRu, ROLES } from "../ui.js";
import { fmtDate, isoOf } from "../dates.js";
import { read, submit, me, uuid } from "../session.js";
import { pickLoad, loadPicker, journalPath } from "../widgets.js";
import { loadSetup } from "./setup.js";

const TEACHER = ROLES.find((r) => r[1] === "teacher")[0];

export async function substitutionsPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Замены"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет страниц журнала.")); return; }
  m.append(loadPicker("substitutions", sel));
  const [page, s] = await Promise.all([read(JournalPageViewSchema, journalPath(sel.load, sel.term)), loadSetup()]);
  // A substitute is named as the set-up lists them, with the login that tells namesakes apart
  // (as the set-up's pickers do); the login is what the field below takes.
  const login = (id) => (s.users.get(id) ? s.users.get(id).user.loginName : id);
  const who = (id) => [el("span", { "data-login": login(id) }, login(id)), ` (${s.userName(id)})`];
  // The teachers offered for the substitute field: by name, the login filled in.
  const teachers = s.v.users.filter((u) => u.active && u.user.roles.includes(TEACHER)).sort(byRu((u) => u.user.displayName));
  const teacherList = el("datalist", { id: "sub-teachers" }, ...teachers.map((u) =>
    el("option", { value: u.user.loginName }, u.user.displayName)));
  // The field's text as a user id: a login (any case), a full name, or an id.
  const teacherId = (text) => {
    const t = text.trim().toLowerCase();
    const u = s.v.users.find((x) => x.user.loginName.toLowerCase() === t) ||
      s.v.users.find((x) => x.user.displayName.toLowerCase() === t);
    return u ? u.user.userId : text.trim();
  };
  const today = me.today;
  const lessons = (page.lessons || []).filter((l) => !l.cancelled && isoOf(l.date) >= today);
  const shown = lessons.length ? lessons : (page.lessons || []).slice(-5);
  const f = el("form", { id: "sub-form" },
    el("fieldset", {}, el("legend", {}, "Уроки"), ...shown.map((l) => el("label", {},
      el("input", { type: "checkbox", name: "lesson", value: l.lessonId, "data-teacher": l.teacherId }),
      ` ${fmtDate(l.date)}, ${l.period || ""} урок — учитель ${s.userName(l.teacherId)}`,
      ...((l.substituteTeacherIds || []).length ? [" (замена: ", ...l.substituteTeacherIds.flatMap((id, k) =>
        [k ? ", " : "", ...who(id)]), ")"] : [])))),
    el("label", {}, "Заменяющий учитель ", el("input", { name: "substitute", id: "sub-teacher", required: true,
      list: "sub-teachers", autocomplete: "off", placeholder: "ФИО или логин" }), teacherList),
    el("label", {}, "Причина ", el("input", { name: "reason", id: "sub-reason", size: 30 })),
    el("button", { type: "submit" }, "Назначить замену"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    const checked = [...f.querySelectorAll("input[name=lesson]:checked")];
    try {
      if (!checked.length) throw new Error("Отметьте уроки");
      const r = await submit({ case: "substitutionAssigned", value: { substitutionId: "sub-" + uuid(),
        lessonIds: checked.map((c) => c.value), absentTeacherId: checked[0].dataset.teacher,
        substituteTeacherId: teacherId(f.substitute.value), reason: f.reason.value } });
      await substitutionsPage(params);
      status("Замена записана: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  m.append(f);
  // The substitutions in force on these lessons, each cancellable (SubstitutionCancelled, R-SUB-1).
  const inForce = new Map();
  for (const l of shown) {
    (l.substitutionIds || []).forEach((id, k) => {
      const e = inForce.get(id) || { teacher: (l.substituteTeacherIds || [])[k], dates: [] };
      e.dates.push(fmtDate(l.date, true));
      inForce.set(id, e);
    });
  }
  if (!inForce.size) return;
  const reason = el("input", { id: "sub-cancel-reason", size: 30, "aria-label": "Причина отмены замены" });
  m.append(el("section", { id: "subs-in-force", class: "panel" }, el("h2", {}, "Замены в силе"),
    el("label", {}, "Причина отмены ", reason),
    el("ul", {}, ...[...inForce].map(([id, e]) => el("li", { "data-substitution": id },
      ...who(e.teacher), `: ${e.dates.join(", ")} `,
      el("button", { type: "button", class: "secondary sub-cancel", onclick: async () => {
        try {
          if (!reason.value.trim()) throw new Error("Укажите причину отмены замены");
          const r = await submit({ case: "substitutionCancelled", value: { substitutionId: id, reason: reason.value.trim() } });
          await substitutionsPage(params);
          status("Замена отменена: запись №" + r.sequence + ".");
        } catch (err) { fail(err); }
      } }, "Отменить замену"))))));
}
