// «Администрирование»: the school's set-up as the administrator keeps it (R-SET-1) — users,
// classes, subjects, the academic year and its holidays, the roster imports — read from
// GET .../setup (SetupView) and changed by signed set-up events. The director and the deputy read
// it; only the administrator gets the forms.
import { SetupViewSchema, ProposedEventsSchema } from "gen/ejournal/v1/setup_pb.js";
import { el, clear, status, main, failAt, clearFail, byRu, collator, ROLES, roleName } from "../ui.js";
import { fmtDate, parseDate, isoOf } from "../dates.js";
import { read, api, submit, has, me, S, uuid, setPassword } from "../session.js";
import { newPassword, showSlips } from "./logins.js";
import { showProposal } from "../proposals.js";
import { movementTab, groupsTab } from "./movement.js";

const TABS = [["users", "Пользователи"], ["classes", "Классы"], ["movement", "Движение учеников"],
  ["groups", "Группы"], ["subjects", "Предметы"], ["year", "Учебный год"], ["import", "Импорт"]];

// [HolidayKind number, Russian name].
const HOLIDAY_KINDS = [[1, "каникулы"], [2, "праздничный или выходной день"], [3, "карантин"],
  [4, "актированный день"], [5, "другой нерабочий день"]];
// TermKind number → the ending of the period's name: "2-я четверть", "1-й триместр", "2-е полугодие".
const TERM_KINDS = { 1: "я четверть", 2: "й триместр", 3: "е полугодие" };
const holidayKindName = (n) => (HOLIDAY_KINDS.find((k) => k[0] === n) || [0, "—"])[1];

// The set-up with lookups by id: user and class names for people, never ids alone. An element that
// shows a login (what a person signs in with, which may look like an id) carries it in `data-login`.
export async function loadSetup() {
  const v = await read(SetupViewSchema, S() + "/setup");
  const users = new Map(v.users.map((u) => [u.user.userId, u]));
  const classes = new Map(v.classes.map((c) => [c.created.classId, c]));
  const subjects = new Map(v.subjects.map((s) => [s.subjectId, s]));
  return { v, users, classes, subjects,
    userName: (id) => (users.get(id) && users.get(id).user.displayName) || id,
    classLabel: (id) => (classes.get(id) && classes.get(id).label) || id,
    subjectName: (id) => (subjects.get(id) && subjects.get(id).name) || id,
    // Every class, user and subject id with the name people read, for the texts of proposals.
    names: new Map([...v.classes.map((c) => [c.created.classId, c.label]), ...v.users.map((u) => [u.user.userId, u.user.displayName]),
      ...v.subjects.map((x) => [x.subjectId, x.name])]) };
}

export async function setupPage(params) {
  const m = clear(main());
  const tab = TABS.some((t) => t[0] === params.get("tab")) ? params.get("tab") : "users";
  const edit = has("admin");
  m.append(el("h1", {}, "Администрирование"),
    el("nav", { class: "tabs", "aria-label": "Разделы" }, ...TABS.map(([id, name]) =>
      el("a", { href: "#/setup?tab=" + id, "aria-current": id === tab ? "page" : false, "data-tab": id }, name))),
    edit ? "" : el("p", { class: "muted" }, "Только чтение: изменения вносит администратор (R-SET-1)."));
  const s = await loadSetup();
  const box = el("section", { id: "setup-" + tab });
  m.append(box);
  const again = async (text) => { await setupPage(params); if (text) status(text); };
  ({ users: usersTab, classes: classesTab, movement: movementTab, groups: groupsTab, subjects: subjectsTab, year: yearTab,
    import: importTab })[tab](box, s, edit, again);
}

// ---------------------------------------------------------------- users
function usersTab(box, s, edit, again) {
  const kids = (u) => {
    if (u.classId) return s.classLabel(u.classId);
    return (u.children || []).map(s.userName).sort(collator.compare).join(", ");
  };
  const rows = s.v.users.map((u) => ({ id: u.user.userId, name: u.user.displayName, roles: u.user.roles.map(roleName).join(", "),
    login: u.user.loginName, kids: kids(u), active: u.active, why: u.deactivationReason, pwd: u.hasPassword }));
  const cols = [["name", "ФИО"], ["roles", "Роли"], ["login", "Логин"], ["kids", "Класс / дети"],
    ["active", "Активен"], ["pwd", "Пароль задан"]];
  let sortKey = "name", asc = true;
  const search = el("input", { type: "search", id: "user-search", size: 30, placeholder: "ФИО, логин, роль, класс",
    "aria-label": "Поиск пользователей" });
  const count = el("span", { class: "muted", id: "user-count" });
  const tbody = el("tbody");
  const yes = (b) => (b ? "да" : "нет");
  const head = el("tr", {}, ...cols.map(([k, t]) => el("th", { "data-sort": k },
    el("button", { type: "button", class: "link", onclick: () => { asc = sortKey === k ? !asc : true; sortKey = k; fill(); } }, t))));
  function fill() {
    const q = search.value.trim().toLowerCase();
    const shown = rows.filter((r) => !q || [r.name, r.login, r.roles, r.kids].some((x) => x.toLowerCase().includes(q)))
      .sort((a, b) => {
        const x = a[sortKey], y = b[sortKey];
        const c = typeof x === "boolean" ? Number(x) - Number(y) : collator.compare(x, y);
        return (asc ? c : -c) || collator.compare(a.name, b.name);
      });
    clear(tbody).append(...shown.map((r) => el("tr", { "data-user": r.id, class: r.active ? "" : "muted" },
      el("td", { class: "text-left" }, r.name), el("td", { class: "text-left" }, r.roles), el("td", { "data-login": r.login }, r.login),
      el("td", { class: "text-left" }, r.kids), el("td", { class: r.active ? "" : "text-left" }, r.active ? "да" : "нет" + (r.why ? ` — ${r.why}` : "")), el("td", {}, yes(r.pwd)))));
    for (const th of head.children) th.setAttribute("aria-sort", th.dataset.sort === sortKey ? (asc ? "ascending" : "descending") : "none");
    count.textContent = `Показано ${shown.length} из ${rows.length}`;
  }
  search.oninput = fill;
  box.append(el("div", { class: "row" }, el("label", {}, "Поиск ", search), count),
    el("div", { class: "scroll" }, el("table", { id: "users-table" }, el("thead", {}, head), tbody)));
  fill();
  if (!edit) return;

  // «Добавить пользователя»: UserRegistered with a fresh id; the password is set apart (ops/run.sh).
  const name = el("input", { id: "new-user-name", size: 30, required: true });
  const login = el("input", { id: "new-user-login", size: 20, required: true, autocomplete: "off" });
  const add = el("form", { id: "add-user" }, el("h2", {}, "Добавить пользователя"),
    el("div", { class: "row" }, el("label", {}, "ФИО ", name), el("label", {}, "Логин ", login)),
    el("fieldset", { id: "new-user-roles" }, el("legend", {}, "Роли"), ...ROLES.map(([n, id, t]) =>
      el("label", { class: "inline" }, el("input", { type: "checkbox", name: "role", value: String(n), "data-role": id }), " " + t))),
    el("button", { type: "submit" }, "Добавить"));
  add.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(add);
    try {
      const roles = [...add.querySelectorAll("input[name=role]:checked")].map((c) => parseInt(c.value, 10));
      if (!roles.length) throw new Error("Отметьте хотя бы одну роль");
      const r = await submit({ case: "userRegistered", value: { userId: "u-" + uuid(), roles,
        displayName: name.value.trim(), loginName: login.value.trim() } });
      await again(`Пользователь «${name.value.trim()}» добавлен: запись №${r.sequence}. Временный пароль выдайте ниже.`);
    } catch (e) { failAt(add, e); }
  };

  // Deactivation: UserDeactivated with a reason; the user picked by name.
  const active = s.v.users.filter((u) => u.active && u.user.userId !== me.user_id).sort(byRu((u) => u.user.displayName));
  const who = el("select", { id: "deactivate-user", required: true }, el("option", { value: "" }, "— выберите —"),
    ...active.map((u) => el("option", { value: u.user.userId }, `${u.user.displayName} (${u.user.roles.map(roleName).join(", ")})`)));
  const reason = el("input", { id: "deactivate-reason", size: 30, required: true });
  const off = el("form", { id: "deactivate-form" }, el("h2", {}, "Отключить пользователя"),
    el("div", { class: "row" }, el("label", {}, "Пользователь ", who), el("label", {}, "Причина ", reason),
      el("button", { type: "submit", class: "reject" }, "Отключить")));
  off.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(off);
    try {
      const r = await submit({ case: "userDeactivated", value: { userId: who.value, reason: reason.value.trim() } });
      await again(`Пользователь «${s.userName(who.value)}» отключён: запись №${r.sequence}.`);
    } catch (e) { failAt(off, e); }
  };
  // Roles: UserRolesChanged with the complete new set, the user picked by name and their roles ticked.
  const everyone = s.v.users.filter((u) => u.active).sort(byRu((u) => u.user.displayName));
  const whose = el("select", { id: "roles-user", required: true }, el("option", { value: "" }, "— выберите —"),
    ...everyone.map((u) => el("option", { value: u.user.userId, "data-login": u.user.loginName }, `${u.user.displayName} (${u.user.loginName})`)));
  const boxes = el("fieldset", { id: "roles-set" }, el("legend", {}, "Роли"), ...ROLES.map(([n, id, t]) =>
    el("label", { class: "inline" }, el("input", { type: "checkbox", name: "role", value: String(n), "data-role": id }), " " + t)));
  whose.onchange = () => {
    const u = s.users.get(whose.value);
    for (const c of boxes.querySelectorAll("input")) c.checked = !!u && u.user.roles.includes(parseInt(c.value, 10));
  };
  const rf = el("form", { id: "roles-form" }, el("h2", {}, "Изменить роли"),
    el("label", {}, "Пользователь ", whose), boxes, el("button", { type: "submit" }, "Сохранить роли"));
  rf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(rf);
    try {
      const roles = [...boxes.querySelectorAll("input:checked")].map((c) => parseInt(c.value, 10));
      if (!roles.length) throw new Error("Отметьте хотя бы одну роль; чтобы закрыть учётную запись, отключите пользователя");
      const r = await submit({ case: "userRolesChanged", value: { userId: whose.value, roles } });
      await again(`Роли пользователя «${s.userName(whose.value)}»: ${roles.map(roleName).join(", ")} — запись №${r.sequence}.`);
    } catch (e) { failAt(rf, e); }
  };
  // A first password (or a reset, when the user has one): made in the browser, set by a signed
  // PasswordChanged, shown once as a slip; the user changes it at the first sign-in (R-SET-2).
  const forWhom = el("select", { id: "password-user", required: true }, el("option", { value: "" }, "— выберите —"),
    ...everyone.map((u) => el("option", { value: u.user.userId, "data-login": u.user.loginName }, `${u.user.displayName} (${u.user.loginName})`)));
  const slips = el("section", { id: "slips", hidden: true, "aria-labelledby": "slips-h" });
  const pf = el("form", { id: "issue-password-form" }, el("h2", {}, "Выдать временный пароль"),
    el("div", { class: "row" }, el("label", {}, "Пользователь ", forWhom),
      el("button", { type: "submit" }, "Выдать и напечатать")),
    el("p", { class: "muted" }, "Пароль показывается один раз; при первом входе пользователь сменит его на свой. " +
      "Ученикам и родителям первые пароли выдаёт и классный руководитель."));
  pf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(pf);
    try {
      const u = s.users.get(forWhom.value);
      if (!u) throw new Error("Выберите пользователя");
      const password = newPassword();
      await setPassword(u.user.userId, u.hasPassword ? 3 : 1, password);
      showSlips(slips, { name: s.v.school ? s.v.school.name : "", id: me.school_id }, "",
        [{ user_id: u.user.userId, name: u.user.displayName, login: u.user.loginName, password }]);
      status(`Временный пароль для «${u.user.displayName}» выдан. Напечатайте листок сейчас: пароль больше нигде не показывается.`);
    } catch (e) { failAt(pf, e); }
  };
  box.append(add, rf, off, pf, slips);
}

// ---------------------------------------------------------------- classes
function classesTab(box, s, edit, again) {
  const classes = [...s.v.classes].sort(byRu((c) => c.label));
  box.append(el("div", { class: "scroll" }, el("table", { id: "classes-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "Класс"), el("th", {}, "Учебный год"), el("th", {}, "Классный руководитель"),
      el("th", {}, "Учеников"))),
    el("tbody", {}, ...classes.map((c) => el("tr", { "data-class": c.created.classId },
      el("td", {}, c.label), el("td", {}, c.created.academicYearId),
      el("td", { class: "text-left" }, c.created.classTeacherId ? s.userName(c.created.classTeacherId) : "не назначен"),
      el("td", {}, String((c.studentIds || []).length))))))));
  if (!edit) return;
  const grade = el("select", { id: "new-class-grade" }, ...Array.from({ length: 11 }, (_, i) =>
    el("option", { value: String(i + 1) }, String(i + 1))));
  const letter = el("input", { id: "new-class-letter", size: 4, required: true, value: "Б" });
  const years = [...s.v.years].sort(byRu((y) => y.academicYearId)).reverse();
  const year = el("select", { id: "new-class-year" }, ...years.map((y) => el("option", { value: y.academicYearId },
    `${y.academicYearId} (${fmtDate(y.dates && y.dates.firstDay)} — ${fmtDate(y.dates && y.dates.lastDay)})`)));
  const teachers = s.v.users.filter((u) => u.active && u.user.roles.includes(6)).sort(byRu((u) => u.user.displayName));
  const teacher = el("select", { id: "new-class-teacher" }, el("option", { value: "" }, "— не назначен —"),
    ...teachers.map((u) => el("option", { value: u.user.userId }, u.user.displayName)));
  const f = el("form", { id: "add-class" }, el("h2", {}, "Создать класс"),
    el("div", { class: "row" }, el("label", {}, "Параллель ", grade), el("label", {}, "Буква ", letter),
      el("label", {}, "Учебный год ", year), el("label", {}, "Классный руководитель ", teacher)),
    el("button", { type: "submit" }, "Создать класс"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const label = grade.value + letter.value.trim().toUpperCase();
      if (s.v.classes.some((c) => c.label === label && c.created.academicYearId === year.value))
        throw new Error(`Класс ${label} в ${year.value} году уже есть`);
      const r = await submit({ case: "classCreated", value: { classId: `c${grade.value.padStart(2, "0")}-${uuid().slice(0, 8)}`,
        academicYearId: year.value, grade: parseInt(grade.value, 10), letter: letter.value.trim().toUpperCase(),
        classTeacherId: teacher.value } });
      await again(`Класс ${label} создан: запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  // Another class teacher from a date (ClassTeacherAssigned): the class and the teacher by name.
  const which = el("select", { id: "ct-class" }, ...classes.map((c) => el("option", { value: c.created.classId }, c.label)));
  const who = el("select", { id: "ct-teacher" }, el("option", { value: "" }, "— без классного руководителя —"),
    ...teachers.map((u) => el("option", { value: u.user.userId }, u.user.displayName)));
  const from = el("input", { type: "date", id: "ct-from", required: true, value: me.today });
  const ct = el("form", { id: "class-teacher-form" }, el("h2", {}, "Назначить классного руководителя"),
    el("div", { class: "row" }, el("label", {}, "Класс ", which), el("label", {}, "Классный руководитель ", who),
      el("label", {}, "С ", from), el("button", { type: "submit" }, "Назначить")));
  ct.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(ct);
    try {
      const d = parseDate(from.value);
      const r = await submit({ case: "classTeacherAssigned", value: { classId: which.value, classTeacherId: who.value,
        effectiveFrom: d } }, { businessDate: d });
      await again(`${s.classLabel(which.value)}: классный руководитель ${who.value ? s.userName(who.value) : "не назначен"} с ${fmtDate(d)} — запись №${r.sequence}.`);
    } catch (e) { failAt(ct, e); }
  };
  // Enrolment of a student without a class (StudentEnrolled) and a parent linked to a child
  // (GuardianLinked): both picked by name; a new person is added on «Пользователи» first.
  const studentsWithout = s.v.users.filter((u) => u.active && u.user.roles.includes(11) && !u.classId)
    .sort(byRu((u) => u.user.displayName));
  const student = el("select", { id: "enrol-student", required: true }, el("option", { value: "" }, "— выберите —"),
    ...studentsWithout.map((u) => el("option", { value: u.user.userId, "data-login": u.user.loginName }, `${u.user.displayName} (${u.user.loginName})`)));
  const into = el("select", { id: "enrol-class" }, ...classes.map((c) => el("option", { value: c.created.classId }, c.label)));
  const on = el("input", { type: "date", id: "enrol-on", required: true, value: me.today });
  const orderNo = el("input", { id: "enrol-order", size: 24, placeholder: "Приказ № 56 от 30.08.2026" });
  const home = el("input", { type: "checkbox", id: "enrol-home" });
  const en = el("form", { id: "enrol-form" }, el("h2", {}, "Зачислить ученика в класс"),
    el("div", { class: "row" }, el("label", {}, "Ученик (без класса) ", student), el("label", {}, "Класс ", into),
      el("label", {}, "С ", on), el("label", {}, "Приказ ", orderNo), el("label", { class: "inline" }, home, " обучение на дому"),
      el("button", { type: "submit" }, "Зачислить")),
    studentsWithout.length ? "" : el("p", { class: "muted" }, "Все ученики уже в классах."));
  en.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(en);
    try {
      const d = parseDate(on.value);
      const r = await submit({ case: "studentEnrolled", value: { studentId: student.value, classId: into.value,
        enrolledOn: d, orderNumber: orderNo.value.trim(), homeSchooling: home.checked } }, { businessDate: d });
      await again(`${s.userName(student.value)} зачислен(а) в ${s.classLabel(into.value)} с ${fmtDate(d)}: запись №${r.sequence}.`);
    } catch (e) { failAt(en, e); }
  };
  const byName = (role) => s.v.users.filter((u) => u.active && u.user.roles.includes(role)).sort(byRu((u) => u.user.displayName));
  const describe = (u) => `${u.user.displayName} (${u.classId ? s.classLabel(u.classId) + ", " : ""}${u.user.loginName})`;
  const parent = el("select", { id: "link-parent", required: true }, el("option", { value: "" }, "— выберите —"),
    ...byName(10).map((u) => el("option", { value: u.user.userId, "data-login": u.user.loginName }, describe(u))));
  const child = el("select", { id: "link-student", required: true }, el("option", { value: "" }, "— выберите —"),
    ...byName(11).map((u) => el("option", { value: u.user.userId, "data-login": u.user.loginName }, describe(u))));
  const gl = el("form", { id: "guardian-form" }, el("h2", {}, "Связать родителя с ребёнком"),
    el("div", { class: "row" }, el("label", {}, "Родитель ", parent), el("label", {}, "Ребёнок ", child),
      el("button", { type: "submit" }, "Связать")));
  gl.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(gl);
    try {
      const r = await submit({ case: "guardianLinked", value: { guardianId: parent.value, studentId: child.value } });
      await again(`${s.userName(parent.value)} — законный представитель ученика ${s.userName(child.value)}: запись №${r.sequence}.`);
    } catch (e) { failAt(gl, e); }
  };
  const teaching = s.v.users.filter((u) => u.active && u.user.roles.includes(5)).sort(byRu((u) => u.user.displayName));
  box.append(f, ct, en, gl, loadsSection(s, classes, teaching, again));
}

// «Учебная нагрузка» (TeachingLoadAssigned): who teaches which class (or subgroup) which subject,
// how many hours a week, from when; the КТП's hours are checked against it (R-PLAN-1).
function loadsSection(s, classes, teachers, again) {
  const groups = new Map(s.v.subgroups.map((g) => [g.subgroupId, g]));
  const rows = [...s.v.loads].sort((a, b) => collator.compare(s.classLabel(a.classId), s.classLabel(b.classId)) ||
    collator.compare(s.subjectName(a.subjectId), s.subjectName(b.subjectId)));
  const cls = el("select", { id: "load-class" }, ...classes.map((c) => el("option", { value: c.created.classId }, c.label)));
  const subjects = [...s.v.subjects].sort(byRu((x) => x.name));
  const subject = el("select", { id: "load-subject" }, ...subjects.map((x) => el("option", { value: x.subjectId }, x.name)));
  const group = el("select", { id: "load-subgroup" });
  const fillGroups = () => clear(group).append(el("option", { value: "" }, "весь класс"),
    ...s.v.subgroups.filter((g) => g.classId === cls.value && (!g.subjectId || g.subjectId === subject.value))
      .map((g) => el("option", { value: g.subgroupId }, g.name)));
  cls.onchange = fillGroups;
  subject.onchange = fillGroups;
  fillGroups();
  const teacher = el("select", { id: "load-teacher" }, ...teachers.map((u) => el("option", { value: u.user.userId }, u.user.displayName)));
  const hours = el("input", { id: "load-hours", type: "number", min: 0, max: 40, value: 2, size: 3, required: true });
  const f = el("form", { id: "load-form" }, el("h2", {}, "Назначить учебную нагрузку"),
    el("div", { class: "row" }, el("label", {}, "Класс ", cls), el("label", {}, "Предмет ", subject), el("label", {}, "Группа ", group),
      el("label", {}, "Учитель ", teacher), el("label", {}, "Часов в неделю ", hours)),
    el("button", { type: "submit" }, "Назначить"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const c = s.classes.get(cls.value);
      if (!c) throw new Error("Выберите класс");
      if (!teacher.value) throw new Error("В школе нет учителей: добавьте их на вкладке «Пользователи»");
      const h = parseInt(hours.value, 10);
      if (!(h >= 0 && h <= 40)) throw new Error("Часов в неделю — от 0 до 40 (R-TERM-1)");
      const r = await submit({ case: "teachingLoadAssigned", value: { loadId: "l-" + uuid(), teacherId: teacher.value,
        classId: cls.value, subgroupId: group.value, subjectId: subject.value, weeklyHours: h,
        academicYearId: c.created.academicYearId } });
      await again(`Нагрузка назначена: ${c.label}, ${s.subjectName(subject.value)} — ${s.userName(teacher.value)}, ${h} ч в неделю; запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  return el("section", { id: "loads", "aria-labelledby": "loads-h" }, el("h2", { id: "loads-h" }, "Учебная нагрузка"),
    rows.length ? el("div", { class: "scroll" }, el("table", { id: "loads-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "Класс"), el("th", {}, "Предмет"), el("th", {}, "Учитель"), el("th", {}, "Часов в неделю"))),
      el("tbody", {}, ...rows.map((l) => el("tr", {}, el("td", {}, s.classLabel(l.classId) + (l.subgroupId ? ` (${(groups.get(l.subgroupId) || {}).name || "подгруппа"})` : "")),
        el("td", { class: "text-left" }, s.subjectName(l.subjectId)), el("td", { class: "text-left" }, s.userName(l.teacherId)),
        el("td", {}, String(l.weeklyHours))))))) : el("p", { class: "muted" }, "Нагрузка ещё не назначена."),
    f);
}

// ---------------------------------------------------------------- subjects
const TRANSLIT = { а: "a", б: "b", в: "v", г: "g", д: "d", е: "e", ё: "e", ж: "zh", з: "z", и: "i", й: "y", к: "k",
  л: "l", м: "m", н: "n", о: "o", п: "p", р: "r", с: "s", т: "t", у: "u", ф: "f", х: "h", ц: "ts", ч: "ch", ш: "sh",
  щ: "sch", ъ: "", ы: "y", ь: "", э: "e", ю: "yu", я: "ya" };
// A subject id from its name: "Родной язык" → "rodnoy-yazyk".
const idOf = (name) => [...name.toLowerCase()].map((c) => (c in TRANSLIT ? TRANSLIT[c] : c)).join("")
  .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);

function subjectsTab(box, s, edit, again) {
  const search = el("input", { type: "search", id: "subject-search", "aria-label": "Поиск предметов", placeholder: "Название" });
  const tbody = el("tbody");
  const list = [...s.v.subjects].sort(byRu((x) => x.name));
  const fill = () => {
    const q = search.value.trim().toLowerCase();
    clear(tbody).append(...list.filter((x) => !q || x.name.toLowerCase().includes(q)).map((x) =>
      el("tr", { "data-subject": x.subjectId }, el("td", { class: "text-left" }, x.name), el("td", {}, x.shortName || "—"))));
  };
  search.oninput = fill;
  box.append(el("label", {}, "Поиск ", search), el("div", { class: "scroll" }, el("table", { id: "subjects-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "Предмет"), el("th", {}, "Кратко"))), tbody)));
  fill();
  if (!edit) return;
  const name = el("input", { id: "new-subject-name", size: 30, required: true });
  const short = el("input", { id: "new-subject-short", size: 12 });
  const id = el("input", { id: "new-subject-id", size: 20, required: true, pattern: "[a-z0-9]+(-[a-z0-9]+)*",
    title: "латинские буквы, цифры и дефис" });
  let idTouched = false;
  id.oninput = () => { idTouched = true; };
  name.oninput = () => { if (!idTouched) id.value = idOf(name.value); };
  // A new subject, or an existing one renamed (SubjectDefined re-issued with its id and kind).
  const which = el("select", { id: "subject-which" }, el("option", { value: "" }, "новый предмет"),
    ...list.map((x) => el("option", { value: x.subjectId }, x.name)));
  const submitButton = el("button", { type: "submit" }, "Добавить предмет");
  which.onchange = () => {
    const x = s.subjects.get(which.value);
    name.value = x ? x.name : ""; short.value = x ? x.shortName : ""; id.value = x ? x.subjectId : "";
    id.readOnly = !!x; idTouched = !!x;
    submitButton.textContent = x ? "Сохранить" : "Добавить предмет";
  };
  const f = el("form", { id: "add-subject" }, el("h2", {}, "Добавить или переименовать предмет"),
    el("label", {}, "Предмет ", which),
    el("div", { class: "row" }, el("label", {}, "Название ", name), el("label", {}, "Кратко ", short),
      el("label", {}, "Код (для программ) ", id)),
    submitButton);
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const old = s.subjects.get(which.value);
      if (!old && s.subjects.has(id.value)) throw new Error(`Предмет с кодом ${id.value} уже есть: «${s.subjectName(id.value)}»`);
      const r = await submit({ case: "subjectDefined", value: { subjectId: id.value, name: name.value.trim(),
        shortName: short.value.trim(), kind: old ? old.kind : 7 } });
      await again(`Предмет «${name.value.trim()}» ${old ? "сохранён" : "добавлен"}: запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  box.append(f);
}

// ---------------------------------------------------------------- the academic year
const range = (r) => (r ? (r.lastDay && isoOf(r.lastDay) !== isoOf(r.firstDay) ? `${fmtDate(r.firstDay)} — ${fmtDate(r.lastDay)}` : fmtDate(r.firstDay)) : "");

function yearTab(box, s, edit, again) {
  const years = [...s.v.years].sort(byRu((y) => y.academicYearId)).reverse();
  for (const y of years) {
    const holidays = [...(y.holidays || [])].sort((a, b) => collator.compare(isoOf(a.dates.firstDay), isoOf(b.dates.firstDay)));
    box.append(el("section", { class: "panel", "data-year": y.academicYearId },
      el("h2", {}, `Учебный год ${y.academicYearId}: ${range(y.dates)}`),
      ...(y.termSchemes || []).map((t) => el("div", {}, el("p", {}, `Классы ${t.gradeFrom}–${t.gradeTo}:`),
        el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Период"), el("th", {}, "Даты"))),
          el("tbody", {}, ...(t.terms || []).map((p) => el("tr", {}, el("td", {}, `${p.number}-${TERM_KINDS[t.kind] || "й период"}`), el("td", {}, range(p.dates)))))))),
      el("h2", {}, "Нерабочие дни"),
      el("div", { class: "scroll" }, el("table", { class: "holidays" }, el("thead", {}, el("tr", {}, el("th", {}, "Даты"), el("th", {}, "Что"), el("th", {}, "Вид"),
        el("th", {}, "Для кого"))),
      el("tbody", {}, ...holidays.map((h) => el("tr", {}, el("td", {}, range(h.dates)), el("td", { class: "text-left" }, h.name),
        el("td", {}, holidayKindName(h.kind)),
        el("td", {}, (h.classIds || []).length ? h.classIds.map(s.classLabel).sort(collator.compare).join(", ")
          : (h.grades || []).length ? "параллели " + h.grades.join(", ") : "вся школа"))))))));
  }
  if (!edit) return;
  box.append(yearForm(s, again));
  if (!years.length) return;
  const year = el("select", { id: "holiday-year" }, ...years.map((y) => el("option", { value: y.academicYearId }, y.academicYearId)));
  const from = el("input", { type: "date", id: "holiday-from", required: true, value: me.today });
  const to = el("input", { type: "date", id: "holiday-to", required: true, value: me.today });
  const kind = el("select", { id: "holiday-kind" }, ...HOLIDAY_KINDS.map(([n, t]) => el("option", { value: String(n), selected: n === 3 }, t)));
  const name = el("input", { id: "holiday-name", size: 30, required: true, placeholder: "Карантин по гриппу" });
  const order = el("input", { id: "holiday-order", size: 24, placeholder: "Приказ № 45 от 10.02.2027" });
  const classes = [...s.v.classes].sort(byRu((c) => c.label));
  const f = el("form", { id: "holiday-form" }, el("h2", {}, "Объявить нерабочие дни"),
    el("div", { class: "row" }, el("label", {}, "Учебный год ", year), el("label", {}, "С ", from), el("label", {}, "По ", to),
      el("label", {}, "Вид ", kind)),
    el("div", { class: "row" }, el("label", {}, "Название ", name), el("label", {}, "Приказ ", order)),
    el("fieldset", {}, el("legend", {}, "Классы (ничего не отмечено — вся школа)"), ...classes.map((c) =>
      el("label", { class: "inline" }, el("input", { type: "checkbox", name: "class", value: c.created.classId }), " " + c.label))),
    el("button", { type: "submit" }, "Объявить"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      if (to.value < from.value) throw new Error("Последний день раньше первого");
      const first = parseDate(from.value);
      const r = await submit({ case: "holidayDeclared", value: { holidayId: "hol-" + uuid(), academicYearId: year.value,
        orderNumber: order.value.trim(), holiday: { dates: { firstDay: first, lastDay: parseDate(to.value) },
          kind: parseInt(kind.value, 10), name: name.value.trim(),
          classIds: [...f.querySelectorAll("input[name=class]:checked")].map((c) => c.value) } } }, { businessDate: first });
      await again(`Нерабочие дни «${name.value.trim()}» объявлены: запись №${r.sequence}. Уроки в эти дни перенесите или отмените (методист).`);
    } catch (e) { failAt(f, e); }
  };
  box.append(f);
}

// The usual periods of a Russian school year starting 1 September of `y`, by TermKind: [from, to]
// as "MM-DD" and the year offset (0: y, 1: y + 1). A starting point the administrator edits.
const USUAL_TERMS = {
  1: [["09-01", 0, "10-26", 0], ["11-05", 0, "12-28", 0], ["01-09", 1, "03-22", 1], ["04-01", 1, "05-26", 1]],
  2: [["09-01", 0, "11-30", 0], ["12-01", 0, "02-28", 1], ["03-01", 1, "05-26", 1]],
  3: [["09-01", 0, "12-28", 0], ["01-09", 1, "05-26", 1]],
};

// «Задать учебный год» (AcademicYearDefined): the year's dates, its periods (one scheme for grades
// 1–11) and the school week. Holidays come after, by the form below it.
function yearForm(s, again) {
  const today = parseDate(me.today);
  const start = today.month >= 6 ? today.year : today.year - 1;  // from June on, the coming year
  const existing = new Set(s.v.years.map((y) => y.academicYearId));
  const y0 = existing.has(`${start}-${start + 1}`) ? start + 1 : start;
  const first = el("input", { type: "date", id: "year-first", required: true, value: `${y0}-09-01` });
  const last = el("input", { type: "date", id: "year-last", required: true, value: `${y0 + 1}-08-31` });
  const kind = el("select", { id: "year-kind" }, el("option", { value: "1" }, "четверти"),
    el("option", { value: "2" }, "триместры"), el("option", { value: "3" }, "полугодия"));
  const six = el("input", { type: "checkbox", id: "year-six-days" });
  const terms = el("tbody", { id: "year-terms" });
  const fillTerms = () => {
    const y = parseInt(first.value.slice(0, 4), 10) || y0;
    clear(terms).append(...USUAL_TERMS[kind.value].map(([f, fo, t, to], i) => el("tr", {},
      el("td", {}, `${i + 1}-${TERM_KINDS[kind.value]}`),
      el("td", {}, el("input", { type: "date", class: "term-first", required: true, value: `${y + fo}-${f}`,
        "aria-label": `${i + 1}-${TERM_KINDS[kind.value]}: первый день` })),
      el("td", {}, el("input", { type: "date", class: "term-last", required: true, value: `${y + to}-${t}`,
        "aria-label": `${i + 1}-${TERM_KINDS[kind.value]}: последний день` })))));
  };
  kind.onchange = fillTerms;
  first.onchange = fillTerms;
  fillTerms();
  const f = el("form", { id: "year-form" }, el("h2", {}, "Задать учебный год"),
    el("div", { class: "row" }, el("label", {}, "Первый день ", first), el("label", {}, "Последний день ", last),
      el("label", {}, "Периоды ", kind), el("label", { class: "inline" }, six, " шестидневная неделя")),
    el("div", { class: "scroll" }, el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Период"), el("th", {}, "С"),
      el("th", {}, "По"))), terms)),
    el("p", { class: "muted" }, "Периоды одни для 1–11 классов; каникулы и праздники объявите ниже, после записи года."),
    el("button", { type: "submit" }, "Записать учебный год"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      if (last.value <= first.value) throw new Error("Последний день года раньше первого (R-TERM-1)");
      const id = `${first.value.slice(0, 4)}-${last.value.slice(0, 4)}`;
      if (existing.has(id)) throw new Error(`Учебный год ${id} уже задан`);
      const firsts = [...terms.querySelectorAll(".term-first")].map((x) => x.value);
      const lasts = [...terms.querySelectorAll(".term-last")].map((x) => x.value);
      firsts.forEach((d, i) => {
        const name = `${i + 1}-${TERM_KINDS[kind.value]}`;
        if (lasts[i] < d) throw new Error(`${name} кончается раньше, чем начинается (R-TERM-1)`);
        if (d < first.value || lasts[i] > last.value) throw new Error(`${name} не внутри учебного года (R-TERM-1)`);
        if (i && d <= lasts[i - 1]) throw new Error(`${name} начинается раньше конца предыдущего (R-TERM-1)`);
      });
      const weekdays = six.checked ? [1, 2, 3, 4, 5, 6] : [];
      const r = await submit({ case: "academicYearDefined", value: { academicYearId: id,
        dates: { firstDay: parseDate(first.value), lastDay: parseDate(last.value) },
        termSchemes: [{ gradeFrom: 1, gradeTo: 11, kind: parseInt(kind.value, 10), schoolWeekdays: weekdays,
          terms: firsts.map((d, i) => ({ number: i + 1, dates: { firstDay: parseDate(d), lastDay: parseDate(lasts[i]) } })) }] } },
      { businessDate: parseDate(first.value) });
      await again(`Учебный год ${id} записан: запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  return f;
}

// ---------------------------------------------------------------- imports
function importTab(box, s, edit, again) {
  if (!edit) { box.append(el("p", {}, "Списки школы загружает администратор.")); return; }
  const preview = el("section", { id: "import-preview", class: "panel", hidden: true });
  const roster = el("input", { type: "file", id: "roster-file", accept: ".csv,text/csv", required: true });
  const rf = el("form", { id: "roster-form" }, el("h2", {}, "Список школы (CSV)"),
    el("p", { class: "muted" }, "Файл проверяется без записи: сначала посмотрите, что будет, затем нажмите «Записать»."),
    el("label", {}, "Файл ", roster), el("button", { type: "submit" }, "Проверить"));
  rf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(rf);
    try {
      const file = roster.files[0];
      if (!file) throw new Error("Выберите файл");
      const p = await read(ProposedEventsSchema, S() + "/imports/roster?file=" + encodeURIComponent(file.name),
        { method: "POST", body: await file.arrayBuffer(), type: "text/csv" });
      showProposal(preview, p, recorded, null, s.names);
    } catch (e) { failAt(rf, e); }
  };
  const files = el("input", { type: "file", id: "oneroster-files", accept: ".csv,text/csv", multiple: true, required: true });
  const of = el("form", { id: "oneroster-form" }, el("h2", {}, "OneRoster (несколько CSV-файлов)"),
    el("p", { class: "muted" }, "Выберите все файлы выгрузки: manifest.csv, users.csv, classes.csv, enrollments.csv …"),
    el("label", {}, "Файлы ", files), el("button", { type: "submit" }, "Проверить"));
  of.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(of);
    try {
      if (!files.files.length) throw new Error("Выберите файлы");
      const texts = {};
      for (const file of files.files) texts[file.name] = await file.text();
      const p = await read(ProposedEventsSchema, S() + "/imports/oneroster", { method: "POST", json: { files: texts } });
      showProposal(preview, p, recorded, null, s.names);
    } catch (e) { failAt(of, e); }
  };
  // The КТП of one class-subject-term (R-PLAN-1): the class and subject picked by name from the
  // teaching loads.
  const groups = new Map(s.v.subgroups.map((g) => [g.subgroupId, g.name]));
  const loads = s.v.loads.filter((l) => !l.dates || !l.dates.lastDay || isoOf(l.dates.lastDay) >= me.today);
  const classIds = [...new Set(loads.map((l) => l.classId))].sort((a, b) => collator.compare(s.classLabel(a), s.classLabel(b)));
  const planClass = el("select", { id: "plan-class" }, ...classIds.map((c) => el("option", { value: c }, s.classLabel(c))));
  const planLoad = el("select", { id: "plan-load" });
  const fillLoads = () => clear(planLoad).append(...loads.filter((l) => l.classId === planClass.value)
    .sort(byRu((l) => s.subjectName(l.subjectId) + " " + l.subgroupId)).map((l) => el("option", { value: l.loadId },
      `${s.subjectName(l.subjectId)}${l.subgroupId ? " (" + (groups.get(l.subgroupId) || l.subgroupId) + ")" : ""} — ${s.userName(l.teacherId)}`)));
  const term = el("select", { id: "plan-term" });
  // The periods of the class's year for its grade, named by their kind ("3-я четверть").
  const fillTerms = () => {
    const c = s.classes.get(planClass.value);
    const y = c && s.v.years.find((x) => x.academicYearId === c.created.academicYearId);
    const scheme = y && (y.termSchemes || []).find((t) => t.gradeFrom <= c.created.grade && c.created.grade <= t.gradeTo);
    const terms = scheme ? scheme.terms : [1, 2, 3, 4].map((number) => ({ number }));
    clear(term).append(...terms.map((t) => el("option", { value: String(t.number) },
      `${t.number}-${(scheme && TERM_KINDS[scheme.kind]) || "й период"}${t.dates ? " (" + range(t.dates) + ")" : ""}`)));
  };
  planClass.onchange = () => { fillLoads(); fillTerms(); };
  fillLoads();
  fillTerms();
  const plan = el("input", { type: "file", id: "plan-file", accept: ".csv,text/csv", required: true });
  const pf = el("form", { id: "plan-form" }, el("h2", {}, "КТП (календарно-тематическое планирование, CSV)"),
    el("div", { class: "row" }, el("label", {}, "Класс ", planClass), el("label", {}, "Предмет ", planLoad),
      el("label", {}, "Период ", term), el("label", {}, "Файл ", plan)),
    el("button", { type: "submit" }, "Проверить"));
  pf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(pf);
    try {
      const l = loads.find((x) => x.loadId === planLoad.value);
      const file = plan.files[0];
      if (!l || !file) throw new Error("Выберите предмет и файл");
      const q = new URLSearchParams({ class: l.classId, subject: l.subjectId, term: term.value, file: file.name });
      if (l.subgroupId) q.set("subgroup", l.subgroupId);
      const p = await read(ProposedEventsSchema, S() + "/imports/plan?" + q, { method: "POST", body: await file.arrayBuffer(), type: "text/csv" });
      showProposal(preview, p, recorded, null, s.names);
    } catch (e) { failAt(pf, e); }
  };
  // The OneRoster export (GET .../exports/oneroster): each file saved by the browser.
  const ex = el("form", { id: "export-form" }, el("h2", {}, "Выгрузка OneRoster"),
    el("p", { class: "muted" }, "Файлы CSV для других систем; телефоны и e-mail берутся с сервера школы."),
    el("button", { type: "submit", class: "secondary" }, "Скачать файлы"));
  ex.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(ex);
    try {
      const r = await api(S() + "/exports/oneroster");
      const names = Object.keys(r.files || {}).sort(collator.compare);
      for (const name of names) {
        const a = el("a", { href: URL.createObjectURL(new Blob([r.files[name]], { type: "text/csv" })), download: name });
        a.click();
        URL.revokeObjectURL(a.href);
      }
      status(`Выгружено файлов: ${names.length} (${names.join(", ")}).`);
    } catch (e) { failAt(ex, e); }
  };
  async function recorded(text, ok) {
    if (ok) { await again(); status(text); }
  }
  box.append(rf, of, pf, preview, ex);
}
