// «Администрирование» → «Движение учеников» and «Группы»: what the roster imports do not say —
// a student moved to another class or into home schooling (StudentMoved), a student leaving the
// school (StudentLeft), a parent's link ended (GuardianUnlinked), a teaching load ended from a
// date (TeachingLoadRemoved), and the division of a class into groups for a subject
// (SubgroupDefined) with its members from a date. Everyone is picked by name (R-SET-1).
import { el, clear, failAt, clearFail, byRu } from "../ui.js";
import { fmtDate, parseDate, isoOf } from "../dates.js";
import { submit, me, uuid } from "../session.js";

// LeaveReason numbers.
const LEAVE_REASONS = [[1, "выбыл в другую школу"], [2, "окончил школу"], [3, "отчислен"], [4, "другая причина"]];

const students = (s) => s.v.users.filter((u) => u.active && u.user.roles.includes(11)).sort(byRu((u) => u.user.displayName));
const studentText = (s, u) => `${u.user.displayName} (${u.classId ? s.classLabel(u.classId) : "без класса"}, ${u.user.loginName})`;
const classOptions = (classes) => classes.map((c) => el("option", { value: c.created.classId }, c.label));
const picker = (id, items, text) => el("select", { id, required: true }, el("option", { value: "" }, "— выберите —"),
  ...items.map((u) => el("option", { value: u.user.userId, "data-login": u.user.loginName }, text(u))));

export function movementTab(box, s, edit, again) {
  const classes = [...s.v.classes].sort(byRu((c) => c.label));
  const list = students(s);
  box.append(el("p", { class: "muted" }, "Перевод, обучение на дому и выбытие записываются с даты и по приказу; " +
    "прежние страницы журнала остаются как были."));
  if (!edit) return;

  // Перевод: to another class, or into or out of home schooling in the same class.
  const who = picker("move-student", list, (u) => studentText(s, u));
  const to = el("select", { id: "move-class" }, ...classOptions(classes));
  who.onchange = () => { const u = s.users.get(who.value); if (u && u.classId) to.value = u.classId; };
  const on = el("input", { type: "date", id: "move-on", required: true, value: me.today });
  const home = el("input", { type: "checkbox", id: "move-home" });
  const order = el("input", { id: "move-order", size: 28, placeholder: "Приказ № 80 от 31.05.2027 о переводе" });
  const mv = el("form", { id: "move-form" }, el("h2", {}, "Перевести ученика"),
    el("div", { class: "row" }, el("label", {}, "Ученик ", who), el("label", {}, "В класс ", to), el("label", {}, "С ", on),
      el("label", { class: "inline" }, home, " обучение на дому"), el("label", {}, "Приказ ", order)),
    el("p", { class: "muted" }, "Для перехода на обучение на дому (или обратно) выберите тот же класс."),
    el("button", { type: "submit" }, "Перевести"));
  mv.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(mv);
    try {
      const u = s.users.get(who.value);
      if (!u) throw new Error("Выберите ученика");
      const d = parseDate(on.value);
      const r = await submit({ case: "studentMoved", value: { studentId: who.value, toClassId: to.value, movedOn: d,
        homeSchooling: home.checked, orderNumber: order.value.trim() } }, { businessDate: d });
      await again(`${u.user.displayName}: с ${fmtDate(d)} — ${s.classLabel(to.value)}` +
        `${home.checked ? ", обучение на дому" : ""}; запись №${r.sequence}.`);
    } catch (e) { failAt(mv, e); }
  };

  // Выбытие.
  const leaver = picker("leave-student", list.filter((u) => u.classId), (u) => studentText(s, u));
  const leftOn = el("input", { type: "date", id: "leave-on", required: true, value: me.today });
  const reason = el("select", { id: "leave-reason" }, ...LEAVE_REASONS.map(([n, t]) => el("option", { value: String(n) }, t)));
  const comment = el("input", { id: "leave-comment", size: 28, placeholder: "МБОУ СОШ № 2 г. Анадырь" });
  const leaveOrder = el("input", { id: "leave-order", size: 24, placeholder: "Приказ № 81 от 02.06.2027" });
  const lf = el("form", { id: "leave-form" }, el("h2", {}, "Выбытие ученика"),
    el("div", { class: "row" }, el("label", {}, "Ученик ", leaver), el("label", {}, "Первый день вне школы ", leftOn),
      el("label", {}, "Причина ", reason), el("label", {}, "Куда или почему ", comment), el("label", {}, "Приказ ", leaveOrder)),
    el("button", { type: "submit", class: "reject" }, "Записать выбытие"));
  lf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(lf);
    try {
      const u = s.users.get(leaver.value);
      if (!u) throw new Error("Выберите ученика");
      const d = parseDate(leftOn.value);
      const r = await submit({ case: "studentLeft", value: { studentId: leaver.value, leftOn: d,
        reason: parseInt(reason.value, 10), comment: comment.value.trim(), orderNumber: leaveOrder.value.trim() } },
      { businessDate: d });
      await again(`${u.user.displayName} выбыл(а) с ${fmtDate(d)}: запись №${r.sequence}. Записи в журнале остаются.`);
    } catch (e) { failAt(lf, e); }
  };

  // A parent's link ends: the pairs as they are now.
  const pairs = s.v.users.filter((u) => u.active && (u.children || []).length)
    .flatMap((p) => p.children.map((c) => ({ parent: p, child: c })))
    .sort(byRu((x) => x.parent.user.displayName + " " + s.userName(x.child)));
  const pair = el("select", { id: "unlink-pair", required: true }, el("option", { value: "" }, "— выберите —"),
    ...pairs.map((x, i) => el("option", { value: String(i) }, `${x.parent.user.displayName} — ${s.userName(x.child)}`)));
  const why = el("input", { id: "unlink-reason", size: 28, required: true, placeholder: "Изменилась опека" });
  const uf = el("form", { id: "unlink-form" }, el("h2", {}, "Прекратить доступ родителя к дневнику ребёнка"),
    el("div", { class: "row" }, el("label", {}, "Родитель — ребёнок ", pair), el("label", {}, "Причина ", why),
      el("button", { type: "submit", class: "reject" }, "Прекратить")));
  uf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(uf);
    try {
      const x = pairs[parseInt(pair.value, 10)];
      if (!x) throw new Error("Выберите родителя и ребёнка");
      const r = await submit({ case: "guardianUnlinked", value: { guardianId: x.parent.user.userId, studentId: x.child,
        reason: why.value.trim() } });
      await again(`${x.parent.user.displayName} больше не видит дневник ученика ${s.userName(x.child)}: запись №${r.sequence}.`);
    } catch (e) { failAt(uf, e); }
  };

  // A teaching load ends from a date (a teacher leaves, the load passes to another).
  const loads = s.v.loads.filter((l) => !l.dates || !l.dates.lastDay || isoOf(l.dates.lastDay) >= me.today)
    .sort(byRu((l) => `${s.classLabel(l.classId)} ${s.subjectName(l.subjectId)}`));
  const groupName = new Map(s.v.subgroups.map((g) => [g.subgroupId, g.name]));
  const load = el("select", { id: "end-load", required: true }, el("option", { value: "" }, "— выберите —"),
    ...loads.map((l) => el("option", { value: l.loadId }, `${s.classLabel(l.classId)}, ${s.subjectName(l.subjectId)}` +
      `${l.subgroupId ? " (" + (groupName.get(l.subgroupId) || "группа") + ")" : ""} — ${s.userName(l.teacherId)}`)));
  const endFrom = el("input", { type: "date", id: "end-load-from", required: true, value: me.today });
  const endWhy = el("input", { id: "end-load-reason", size: 28, placeholder: "Уволен, приказ № 12-к" });
  const ef = el("form", { id: "end-load-form" }, el("h2", {}, "Снять учебную нагрузку"),
    el("div", { class: "row" }, el("label", {}, "Нагрузка ", load), el("label", {}, "С ", endFrom),
      el("label", {}, "Причина ", endWhy), el("button", { type: "submit" }, "Снять")),
    el("p", { class: "muted" }, "Записи учителя остаются; с этой даты класс-предмет ведёт тот, кому назначена новая нагрузка."));
  ef.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(ef);
    try {
      const l = loads.find((x) => x.loadId === load.value);
      if (!l) throw new Error("Выберите нагрузку");
      const d = parseDate(endFrom.value);
      const r = await submit({ case: "teachingLoadRemoved", value: { loadId: l.loadId, effectiveFrom: d,
        reason: endWhy.value.trim() } }, { businessDate: d });
      await again(`Нагрузка снята с ${fmtDate(d)}: ${s.classLabel(l.classId)}, ${s.subjectName(l.subjectId)} — ` +
        `${s.userName(l.teacherId)}; запись №${r.sequence}.`);
    } catch (e) { failAt(ef, e); }
  };
  box.append(mv, lf, uf, ef);
}

// «Группы»: each class's groups for a subject with their members; a new group, or new members from
// a date (earlier pages keep the earlier members).
export function groupsTab(box, s, edit, again) {
  const classes = [...s.v.classes].sort(byRu((c) => c.label));
  const groups = [...s.v.subgroups].sort(byRu((g) => `${s.classLabel(g.classId)} ${s.subjectName(g.subjectId)} ${g.name}`));
  box.append(groups.length ? el("div", { class: "scroll" }, el("table", { id: "groups-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "Класс"), el("th", {}, "Предмет"), el("th", {}, "Группа"), el("th", {}, "Состав"),
      el("th", {}, "С"), edit ? el("th", {}, "") : "")),
    el("tbody", {}, ...groups.map((g) => el("tr", { "data-group": g.subgroupId },
      el("td", {}, s.classLabel(g.classId)), el("td", { class: "text-left" }, s.subjectName(g.subjectId)),
      el("td", { class: "text-left" }, g.name),
      el("td", { class: "text-left" }, g.studentIds.map(s.userName).sort(byRu((x) => x)).join(", ")),
      el("td", {}, fmtDate(g.effectiveFrom)),
      edit ? el("td", {}, el("button", { type: "button", class: "secondary small group-edit", onclick: () => fillFrom(g) },
        "изменить состав")) : ""))))) : el("p", { class: "muted" }, "Классы ещё не делились на группы."));
  if (!edit) return;

  const cls = el("select", { id: "group-class" }, ...classOptions(classes));
  const subjects = [...s.v.subjects].sort(byRu((x) => x.name));
  const subject = el("select", { id: "group-subject" }, ...subjects.map((x) => el("option", { value: x.subjectId }, x.name)));
  const name = el("input", { id: "group-name", size: 30, required: true, placeholder: "Английский язык, 1 группа" });
  const from = el("input", { type: "date", id: "group-from", required: true, value: me.today });
  const members = el("fieldset", { id: "group-members" });
  let editing = null;
  const heading = el("h2", {}, "Новая группа");
  const fillMembers = (checked = []) => {
    const inClass = students(s).filter((u) => u.classId === cls.value);
    clear(members).append(el("legend", {}, `Ученики ${s.classLabel(cls.value)}`),
      ...inClass.map((u) => el("label", { class: "inline" },
        el("input", { type: "checkbox", name: "member", value: u.user.userId, checked: checked.includes(u.user.userId) }),
        " " + u.user.displayName)),
      inClass.length ? "" : el("p", { class: "muted" }, "В классе нет учеников."));
  };
  cls.onchange = () => { editing = null; heading.textContent = "Новая группа"; fillMembers(); };
  fillMembers();
  function fillFrom(g) {
    editing = g;
    cls.value = g.classId;
    subject.value = g.subjectId;
    name.value = g.name;
    fillMembers(g.studentIds);
    heading.textContent = `Состав группы «${g.name}» с новой даты`;
    f.scrollIntoView({ block: "center" });
  }
  const f = el("form", { id: "group-form" }, heading,
    el("div", { class: "row" }, el("label", {}, "Класс ", cls), el("label", {}, "Предмет ", subject),
      el("label", {}, "Название ", name), el("label", {}, "С ", from)),
    members, el("button", { type: "submit" }, "Записать группу"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const ids = [...members.querySelectorAll("input[name=member]:checked")].map((c) => c.value);
      if (!ids.length) throw new Error("Отметьте учеников группы");
      const d = parseDate(from.value);
      const r = await submit({ case: "subgroupDefined", value: { subgroupId: editing ? editing.subgroupId : "g-" + uuid(),
        classId: cls.value, subjectId: subject.value, name: name.value.trim(), studentIds: ids, effectiveFrom: d } },
      { businessDate: d });
      await again(`Группа «${name.value.trim()}» (${s.classLabel(cls.value)}): ${ids.length} уч. с ${fmtDate(d)}; запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  box.append(f);
}
