// Small DOM helpers, the status line, and the Russian names and number formats the pages show.

// el("tag", {attr: value, onclick: fn}, ...children): an element; false/""/null children skipped.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") e[k] = v;
    else if (k === "value") e.value = v;
    else if (k === "selected") e.selected = !!v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false || c === "") continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function clear(e) { while (e.firstChild) e.firstChild.remove(); return e; }

// The page's content area (index.html's <main>), which every page clears and fills.
export const main = () => document.getElementById("main");

// The status line (role=status): a confirmation, or a refusal with the server's message and rule.
export function status(text, error = false) {
  const s = document.getElementById("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

const CODES = {
  InvalidArgument: "Неверные данные", Unauthenticated: "Нужно войти", PermissionDenied: "Нет права",
  NotFound: "Не найдено", AlreadyExists: "Уже записано", FailedPrecondition: "Правило школы не позволяет",
  ResourceExhausted: "Слишком много", Unavailable: "Сервер недоступен",
};
// The school rules (DOMAIN.md) in plain Russian, shown with the server's message and the rule id.
const RULES = {
  "R-ACC-1": "каждая запись подписывается действующим ключом самого пользователя",
  "R-ACC-2": "у этой роли нет такого права",
  "R-ACC-3": "родитель и ученик видят только свои данные",
  "R-ACC-4": "вход личный: запрос должен идти со страницы журнала",
  "R-ACC-5": "вход по логину и паролю",
  "R-LES-1": "урок принадлежит классу, предмету, учителю, дате и номеру",
  "R-LES-2": "на внеурочном занятии нет отметок и пропусков",
  "R-LES-3": "тема и виды работ вносятся в день урока",
  "R-MARK-1": "отметка — от 1 до 5",
  "R-MARK-2": "у отметки должен быть вид работы",
  "R-MARK-3": "задним числом отметки не ставятся: срок прошёл, нужен запрос на исправление",
  "R-MARK-4": "в период адаптации (1–15 сентября) не ставятся 1 и 2",
  "R-MARK-5": "за тематическую проверку отметку получает каждый присутствовавший",
  "R-ATT-1": "отсутствие отмечается в начале урока",
  "R-ATT-2": "причины пропусков указывает классный руководитель",
  "R-HW-1": "домашнее задание вносится в день урока",
  "R-TERM-1": "итоговые отметки вносятся в последнюю неделю периода",
  "R-TIME-1": "сроки считаются по времени школы",
  "R-COR-1": "запись не меняется: исправление — через запрос, который одобряет завуч",
  "R-COR-2": "итоговые отметки не пересматриваются",
  "R-COR-3": "завуч решает запросы и указывает причину отказа",
  "R-SUB-1": "замену оформляет методист",
  "R-SEC-1": "о компрометации сообщают в течение часа",
  "R-SEC-2": "акт: номер, дата, комиссия, учётные данные, момент",
  "R-SEC-3": "операции скомпрометированного ключа с указанного момента недействительны",
  "R-SEC-4": "недействительные верные записи вносит заново их автор",
  "R-ACK-1": "«ознакомлен» относится к тому, что родитель видел",
  "R-SET-1": "учебный год, классы, предметы, пользователи и нагрузку заводит администратор, расписание — методист",
  "R-SET-2": "список класса и контакты родителей ведёт классный руководитель",
  "R-SET-3": "в расписании учитель, класс или кабинет не бывают в двух местах сразу",
  "R-PLAN-1": "КТП вносит учитель; часы совпадают с нагрузкой",
};
export function ruleText(e) {
  const head = CODES[e.code] ? CODES[e.code] + ": " : "";
  const rule = e.rule ? ` [${e.rule}${RULES[e.rule] ? ": " + RULES[e.rule] : ""}]` : "";
  return head + e.message + rule;
}
export function fail(e) {
  status("Отказ. " + ruleText(e), true);
}
// A refusal shown next to the form that caused it (a `.form-error` paragraph at its end, with the
// rule), and in the status line.
export function failAt(form, e) {
  fail(e);
  let p = form.querySelector(":scope > .form-error");
  if (!p) { p = el("p", { class: "form-error error-text", role: "alert" }); form.append(p); }
  p.textContent = "Отказ. " + ruleText(e);
}
export function clearFail(form) {
  const p = form.querySelector(":scope > .form-error");
  if (p) p.remove();
}

// Russian collation for every list people read: 1А < 2А < 10А.
export const collator = new Intl.Collator("ru", { numeric: true, sensitivity: "base" });
export const byRu = (f) => (a, b) => collator.compare(f(a), f(b));

// [Role enum number, JSON name suffix, Russian name] of ejournal.v1.Role.
export const ROLES = [
  [1, "admin", "администратор"], [2, "director", "директор"], [3, "deputy", "завуч"],
  [4, "methodist", "методист"], [5, "teacher", "учитель"], [6, "class_teacher", "классный руководитель"],
  [7, "secretary", "секретарь"], [8, "social_pedagogue", "социальный педагог"],
  [9, "psychologist", "психолог"], [10, "parent", "родитель"], [11, "student", "ученик"],
  [12, "auditor", "аудитор"],
];
export const roleName = (n) => (ROLES.find((r) => r[0] === n) || [0, "", "роль " + n])[2];

// [JSON enum name, Russian name, number] of ejournal.v1.WorkType (the select values are the names).
export const WORKS = [
  ["WORK_TYPE_ANSWER_IN_CLASS", "ответ на уроке", 1],
  ["WORK_TYPE_HOMEWORK", "домашняя работа", 2],
  ["WORK_TYPE_CONTROL_WORK", "контрольная работа", 3],
  ["WORK_TYPE_INTERNAL_MONITORING_CONTROL_WORK", "контрольная (мониторинг)", 4],
  ["WORK_TYPE_DICTATION", "диктант", 5],
  ["WORK_TYPE_DICTATION_WITH_GRAMMAR_TASK", "диктант с грамматическим заданием", 6],
  ["WORK_TYPE_LAB", "лабораторная работа", 7],
  ["WORK_TYPE_PRACTICAL", "практическая работа", 8],
  ["WORK_TYPE_CREATIVE_WORK", "творческая работа", 9],
  ["WORK_TYPE_ESSAY", "сочинение", 10],
  ["WORK_TYPE_TEST", "тест", 11],
  ["WORK_TYPE_INDEPENDENT_WORK", "самостоятельная работа", 12],
  ["WORK_TYPE_ORAL_TEST", "зачёт", 13],
  ["WORK_TYPE_PROJECT", "проект", 14],
  ["WORK_TYPE_OTHER", "другое", 15],
  ["WORK_TYPE_VERIFICATION_WORK", "проверочная работа", 16],
  ["WORK_TYPE_EXPOSITION", "изложение", 17],
  ["WORK_TYPE_RECITATION", "чтение наизусть", 18],
  ["WORK_TYPE_LITERACY", "техника чтения", 19],
];
// The Russian name of a WorkType number; unset or unknown ones read as an answer in class.
export function workName(n) {
  const w = WORKS.find((x) => x[2] === n);
  return w ? w[1] : "ответ на уроке";
}

// [JSON enum name, Russian name, number] of ejournal.v1.AbsenceReason (R-ATT-2).
export const REASONS = [["ABSENCE_REASON_ILLNESS", "по болезни", 1], ["ABSENCE_REASON_VALID", "уважительная", 2],
  ["ABSENCE_REASON_NOT_VALID", "неуважительная", 3]];
// The Russian name of an AbsenceReason number; unset: "не указана".
export const reasonName = (n) => (REASONS.find((x) => x[2] === n) || [0, "не указана"])[1];

// A period of the year as the school's scheme names it (TermKind: 1 quarters, 2 trimesters, 3
// half-years; a class without a scheme counts quarters): "2-я четверть", or for "за ...": "2-ю
// четверть", "2-й триместр", "2-е полугодие".
export function termName(n, kind = 1, accusative = false) {
  const ends = { 1: accusative ? "ю четверть" : "я четверть", 2: "й триместр", 3: "е полугодие" };
  return `${n}-${ends[kind] || ends[1]}`;
}

// Percentages and means in hundredths (reports.proto), written the Russian way: "75,5 %", "4,35".
export const pct = (x100) => (x100 / 100).toFixed(1).replace(".", ",") + " %";
export const mean = (x100) => (x100 ? (x100 / 100).toFixed(2).replace(".", ",") : "—");
// A number with `digits` decimals and a decimal comma, whatever the browser's locale: "4,5".
export const num = (x, digits) => x.toFixed(digits).replace(".", ",");

// Event types (EventBody's payload field names) in Russian; unknown ones as they are.
export const TYPES = {
  mark_recorded: "отметка", attendance_recorded: "пропуск/опоздание", lesson_conducted: "тема урока",
  homework_assigned: "домашнее задание", absence_reason_set: "причина пропуска",
  correction_requested: "запрос на исправление", correction_approved: "исправление одобрено",
  correction_rejected: "исправление отклонено", correction_withdrawn: "запрос отозван",
  term_mark_recorded: "отметка за период", diary_acknowledged: "«ознакомлен»",
  credential_compromise_act_recorded: "акт о компрометации", substitution_assigned: "замена",
  substitution_cancelled: "замена отменена", lesson_moved: "перенос урока", lesson_cancelled: "отмена урока",
  lesson_scheduled: "урок в расписании", credential_issued: "выдан ключ", credential_revoked: "ключ отозван",
  password_changed: "смена пароля", credential_compromise_reported: "сообщение о компрометации",
  exam_mark_recorded: "отметка аттестации", deputy_attestation_decided: "решение завуча об аттестации",
  message_sent: "сообщение", messages_read: "сообщения прочитаны", announcement_published: "объявление",
  announcement_withdrawn: "объявление снято", messages_erased: "переписка удалена по сроку хранения",
  survey_published: "опрос родителей", survey_answered: "ответ на опрос", survey_closed: "опрос закончен",
};
export function typeName(t) { return TYPES[t] || t; }
// Who recorded an audit event (R-ACC-4): the name the school lists. The node's own events
// (session credentials) and unknown actors have no name: they read as the journal's own record,
// never as a bare id (the id stays in the event's JSON for the auditor).
export function actorText(name) { return name || "служебная запись журнала"; }
// What signed an event, by its credential id's kind: a password sign-in's session key
// ("sess-…", api/routes_session.cc) or a key issued to the person (the CLI's).
export function credentialKind(id) { return String(id || "").startsWith("sess-") ? "ключ сеанса" : "выданный ключ"; }
// The Russian noun form for a count: plural(1, "файл", "файла", "файлов") "файл", 3 "файла", 11
// "файлов", 21 "файл".
export function plural(n, one, few, many) {
  const d = Math.abs(n) % 100;
  if (d >= 11 && d <= 14) return many;
  return d % 10 === 1 ? one : d % 10 >= 2 && d % 10 <= 4 ? few : many;
}
