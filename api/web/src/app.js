// The ejournal web pages: one small app served by ejournald. Every write is an
// ejournal.v1.SignedEvent: the body is encoded by the library protoc-gen-es generated from
// schemas/, and signed in the browser with the session's Ed25519 key (WebCrypto, not extractable,
// kept in IndexedDB). Reads use the HttpOnly session cookie; every POST carries X-EJournal-CSRF.
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { EventBodySchema } from "gen/ejournal/v1/event_pb.js";
import { SignedEventSchema, LedgerEntrySchema } from "gen/ejournal/v1/ledger_pb.js";
import { el, clear, status, fail, ruleText, fmtDate, parseDate, addDays, WORKS, workName, typeName, actorText } from "./ui.js";
import { verifyInclusion } from "./verify.js";
import { classPage, timetablePage, reportsPage, termEditor, showAwaiting, reentryPage, ledgerPage } from "./pages.js";

// ---------------------------------------------------------------- session key and identity
const DB = "ejournal";
function idb() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore("session");
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
async function idbDo(mode, fn) {
  const db = await idb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("session", mode);
    const req = fn(tx.objectStore("session"));
    tx.oncomplete = () => resolve(req && req.result);
    tx.onerror = () => reject(tx.error);
  });
}
const saveSession = (s) => idbDo("readwrite", (st) => st.put(s, "current"));
const loadSession = () => idbDo("readonly", (st) => st.get("current"));
const dropSession = () => idbDo("readwrite", (st) => st.delete("current"));

let session = null; // {key: CryptoKey (private, not extractable), alg, credential_id, user_id, school_id}
let me = null; // GET /api/v1/me
// For pages.js: the signed-in session and /me.
export const state = () => ({ session, me });

// ---------------------------------------------------------------- HTTP
export class ApiError extends Error {
  constructor(status, e) {
    super(e.message || "HTTP " + status);
    this.status = status;
    this.code = e.code || "";
    this.rule = e.rule || "";
  }
}
export async function api(path, { method = "GET", json, body, type } = {}) {
  const headers = {};
  if (method !== "GET") headers["X-EJournal-CSRF"] = "1";
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (type) headers["Content-Type"] = type;
  const r = await fetch(path, { method, headers, body, credentials: "same-origin" });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) {
    const e = data && data.error ? data.error : { message: "HTTP " + r.status };
    if (r.status === 401 && !path.endsWith("/login")) {
      await dropSession();
      session = null;
    }
    throw new ApiError(r.status, e);
  }
  return data;
}
export const S = () => "/api/v1/schools/" + encodeURIComponent(session.school_id);

export function uuid() { return crypto.randomUUID(); }
export function dateMsg(d) { return d ? { year: d.year, month: d.month, day: d.day } : undefined; }

// The WebCrypto signature algorithm of a session key: Ed25519, or ECDSA P-256 over SHA-256 (IEEE
// P1363 r||s, which the ledger accepts as KEY_ALGORITHM_ECDSA_P256_SHA256; ledger/crypto.h).
const SIGN = { ed25519: { name: "Ed25519" }, p256: { name: "ECDSA", hash: "SHA-256" } };

// The session key pair, not extractable: Ed25519 where the browser has it, else P-256. The
// localStorage flag "ej-test-force-p256" (set only by tests/web/e2e.mjs) takes the fallback.
async function sessionKey() {
  if (localStorage.getItem("ej-test-force-p256") !== "1") {
    try {
      return { alg: "ed25519", pair: await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]) };
    } catch { /* no Ed25519 in this browser: P-256 below */ }
  }
  return { alg: "p256", pair: await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]) };
}

// Signs and submits one event: `payload` is {case, value} of EventBody's oneof.
export async function submit(payload, extra = {}) {
  const body = create(EventBodySchema, {
    schemaVersion: 1,
    eventId: uuid(),
    schoolId: session.school_id,
    actorId: session.user_id,
    credentialId: session.credential_id,
    clientTimeUs: BigInt(Date.now()) * 1000n,
    businessDate: extra.businessDate ? dateMsg(extra.businessDate) : undefined,
    substitutionId: extra.substitutionId || "",
    reentersEventId: extra.reentersEventId || "",
    payload,
  });
  const bytes = toBinary(EventBodySchema, body);
  const sig = new Uint8Array(await crypto.subtle.sign(SIGN[session.alg || "ed25519"], session.key, bytes));
  const signed = toBinary(SignedEventSchema, create(SignedEventSchema, {
    body: bytes, signature: sig, credentialId: session.credential_id }));
  return api("/api/v1/events", { method: "POST", body: signed, type: "application/x-protobuf" });
}

function b64(bytes) { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }

// ---------------------------------------------------------------- pages
const main = () => document.getElementById("main");
export const has = (role) => me && me.roles.includes(role);

function nav() {
  const n = clear(document.getElementById("nav"));
  if (!me) return;
  const links = [];
  if (has("teacher") || has("deputy") || has("director") || has("methodist") || has("class_teacher"))
    links.push(["journal", "Журнал"]);
  if (has("parent") || has("student") || has("class_teacher") || has("teacher"))
    links.push(["diary", "Дневник"]);
  if (has("class_teacher")) links.push(["class", "Мой класс"]);
  if (has("deputy")) links.push(["corrections", "Исправления"]);
  if (has("deputy") || has("director") || has("auditor")) links.push(["reports", "Отчёты"]);
  if (has("director") || has("admin")) links.push(["act", "Акт"]);
  if (has("methodist")) links.push(["timetable", "Расписание"], ["substitutions", "Замены"]);
  if (has("auditor") || has("deputy") || has("director")) links.push(["audit", "Аудит"], ["ledger", "Реестр"]);
  if (has("teacher") || has("class_teacher") || has("methodist") || has("deputy")) links.push(["reentry", "Повторный ввод"]);
  const page = route().page;
  for (const [p, t] of links) {
    const a = el("a", { href: "#/" + p }, t);
    if (p === page) a.setAttribute("aria-current", "page");
    n.append(a);
  }
  n.append(el("span", { class: "muted", id: "who", title: me.user_id }, me.display_name || me.user_id),
    el("button", { class: "secondary", type: "button", id: "logout", onclick: logout }, "Выйти"));
}

export function route() {
  const h = location.hash.replace(/^#\/?/, "");
  const [page, q] = h.split("?");
  return { page: page || "", params: new URLSearchParams(q || "") };
}
export function go(page, params = {}) {
  const q = new URLSearchParams(params).toString();
  location.hash = "#/" + page + (q ? "?" + q : "");
}

function home() {
  if (has("teacher")) return "journal";
  if (has("parent") || has("student")) return "diary";
  if (has("deputy")) return "corrections";
  if (has("director")) return "act";
  if (has("auditor")) return "audit";
  if (has("methodist")) return "substitutions";
  return "journal";
}

// Renders run one after another, so that two quick hash changes never interleave their pages.
let rendering = Promise.resolve();
function render() {
  rendering = rendering.then(renderNow, renderNow);
  return rendering;
}

async function renderNow() {
  status("");
  const { page, params } = route();
  if (!session) { session = await loadSession(); }
  if (session && !me) {
    try { me = await api("/api/v1/me"); } catch { me = null; session = null; await dropSession(); }
  }
  if (!session || !me) { nav(); return loginPage(); }
  nav();
  const pages = { journal: journalPage, diary: diaryPage, corrections: correctionsPage,
    act: actPage, audit: auditPage, substitutions: substitutionsPage, reports: reportsPage,
    class: classPage, timetable: timetablePage, reentry: reentryPage, ledger: ledgerPage };
  const fn = pages[page];
  if (!fn) return go(home());
  try {
    await fn(params);
  } catch (e) {
    fail(e);
  }
}

// ---- login
function loginPage() {
  const m = clear(main());
  const form = el("form", { id: "login-form", "aria-labelledby": "login-h" },
    el("h1", { id: "login-h" }, "Вход"),
    el("label", {}, "Школа ", el("input", { name: "school", id: "school", required: true,
      autocomplete: "organization", value: localStorage.getItem("ej-school") || "school-1" })),
    el("label", {}, "Логин ", el("input", { name: "login", id: "login", required: true,
      autocomplete: "username" })),
    el("label", {}, "Пароль ", el("input", { name: "password", id: "password", type: "password",
      required: true, autocomplete: "current-password" })),
    el("button", { type: "submit" }, "Войти"),
    el("p", { class: "muted" }, "Ключ сеанса создаётся в браузере и не покидает его; каждая " +
      "запись подписывается этим ключом."));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    try {
      const { alg, pair } = await sessionKey();
      // The raw public key: Ed25519's 32 bytes, or P-256's uncompressed point 0x04||X||Y.
      const pub = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      const r = await api("/api/v1/login", { method: "POST", json: {
        school_id: f.get("school"), login: f.get("login"), password: f.get("password"),
        public_key: b64(pub), algorithm: alg, label: "Браузер", cookie: true } });
      session = { key: pair.privateKey, alg, credential_id: r.credential_id, user_id: r.user_id,
        school_id: r.school_id };
      await saveSession(session);
      localStorage.setItem("ej-school", r.school_id);
      me = await api("/api/v1/me");
      const target = "#/" + home();
      if (location.hash === target) await render();
      else location.hash = target;  // hashchange renders
    } catch (e) { fail(e); }
  };
  m.append(form);
  form.querySelector("#login").focus();
}

async function logout() {
  try { await api("/api/v1/logout", { method: "POST" }); } catch { /* already ended */ }
  await dropSession();
  session = null; me = null;
  if (location.hash === "#/login") await render();
  else location.hash = "#/login";
}

// ---- teacher: the journal page
function loadLabel(l) { return l.name + " · " + l.subject_name + (l.subgroup_id ? " (" + l.subgroup_id + ")" : ""); }

export function pickLoad(params) {
  const loads = me.loads;
  if (!loads.length) return null;
  const i = Math.min(Math.max(parseInt(params.get("load") || "0", 10) || 0, 0), loads.length - 1);
  return { i, load: loads[i], term: parseInt(params.get("term") || "", 10) ||
    loads[i].current_term || (loads[i].terms[0] || 1) };
}

export function journalPath(load, term) {
  return S() + "/classes/" + load.class_id + "/subjects/" + load.subject_id + "/terms/" + term +
    "/journal" + (load.subgroup_id ? "?subgroup=" + encodeURIComponent(load.subgroup_id) : "");
}

export function loadPicker(page, sel, extra = {}) {
  const loadSel = el("select", { id: "load", "aria-label": "Класс и предмет" },
    ...me.loads.map((l, i) => el("option", { value: i, selected: i === sel.i }, loadLabel(l))));
  const termSel = el("select", { id: "term", "aria-label": "Четверть" },
    ...(sel.load.terms.length ? sel.load.terms : [1, 2, 3, 4]).map((t) =>
      el("option", { value: t, selected: t === sel.term }, t + " четверть")));
  const change = () => go(page, { ...extra, load: loadSel.value, term: termSel.value });
  loadSel.onchange = change; termSel.onchange = change;
  return el("div", { class: "row" }, el("label", {}, "Класс и предмет ", loadSel),
    el("label", {}, "Период ", termSel));
}

function cellText(cell) {
  const parts = [];
  if (cell) {
    for (const m of cell.marks || []) parts.push(m.second_value ? m.value + "/" + m.second_value : String(m.value));
    if (cell.attendance === "ATTENDANCE_STATUS_ABSENT") parts.push("н");
    if (cell.attendance === "ATTENDANCE_STATUS_LATE") parts.push("оп");
  }
  return parts.join(" ");
}

function gridTable(page, { onCell, onLesson, onTerm, compare, idPrefix = "c" } = {}) {
  const lessons = page.lessons || [];
  const head = el("tr", {}, el("th", { class: "student", scope: "col" }, "Ученик"),
    ...lessons.map((l, j) => el("th", { scope: "col", "data-lesson": l.lesson_id,
      title: l.topic || l.planned_topic || "" },
      onLesson ? el("button", { type: "button", class: "secondary", "data-lesson": l.lesson_id,
        onclick: () => onLesson(l, j) }, fmtDate(l.date, true)) : fmtDate(l.date, true))),
    el("th", { scope: "col" }, "Ср."), el("th", { scope: "col" }, "Итог"));
  // The class list in alphabetical order, as in a paper journal (the server lists rows by id).
  const byName = (a, b) => (a.student_name || a.student_id).localeCompare(b.student_name || b.student_id, "ru");
  const rows = [...(page.rows || [])].sort(byName).map((r, i) => {
    const cells = new Map((r.cells || []).map((c) => [c.lesson_id, c]));
    return el("tr", {}, el("th", { class: "student", scope: "row", "data-student": r.student_id, title: r.student_id },
      r.student_name || r.student_id),
      ...lessons.map((l, j) => {
        const c = cells.get(l.lesson_id);
        const text = cellText(c);
        const td = el("td", { class: "cell" });
        if (compare && compare(r.student_id, l.lesson_id) !== text) td.classList.add("diff");
        if (onCell) {
          const b = el("button", { type: "button", id: `${idPrefix}-${i}-${j}`, "data-row": i, "data-col": j,
            "data-student": r.student_id, "data-lesson": l.lesson_id,
            "aria-label": `${r.student_name || r.student_id}, ${fmtDate(l.date)}: ${text || "пусто"}` },
            el("span", { class: text.includes("н") ? "absent" : "mark" }, text));
          b.onclick = () => onCell(r, l, c, b);
          b.onkeydown = (ev) => gridKey(ev, i, j, idPrefix, r, l, c, b, onCell);
          td.append(b);
        } else td.append(el("span", { class: text.includes("н") ? "absent" : "mark" }, text));
        return td;
      }),
      el("td", {}, r.weighted_mean_x100 ? (r.weighted_mean_x100 / 100).toFixed(2) : ""),
      termCell(r, onTerm));
  });
  return el("div", { class: "scroll" }, el("table", { class: "grid" },
    el("thead", {}, head), el("tbody", {}, ...rows)));
}

// The term-mark column: the recorded mark, else the suggested one in brackets; a button for the
// teacher of the page (R-TERM-1).
function termCell(r, onTerm) {
  const tm = r.term_mark || {};
  const text = tm.value ? String(tm.value) : tm.status === "ATTESTATION_STATUS_EXEMPT" ? "осв" :
    tm.status === "ATTESTATION_STATUS_NOT_ATTESTED" ? "н/а" : (r.suggested_mark ? "(" + r.suggested_mark + ")" : "");
  const td = el("td", { class: "term", title: "Отметка за период; в скобках — предлагаемая" });
  if (!onTerm) return td.append(text), td;
  td.append(el("button", { type: "button", class: "term-button", id: "t-" + r.student_id, "data-student": r.student_id,
    "aria-label": `Отметка за период: ${r.student_name || r.student_id}, ${text || "нет"}`, onclick: () => onTerm(r) }, text || "…"));
  return td;
}

// Arrows move between cells; a digit 1..5 opens the editor with that mark; "н" records an absence.
function gridKey(ev, i, j, prefix, r, l, c, b, onCell) {
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (moves[ev.key]) {
    const [di, dj] = moves[ev.key];
    const next = document.getElementById(`${prefix}-${i + di}-${j + dj}`);
    if (next) { next.focus(); ev.preventDefault(); }
  } else if (/^[1-5]$/.test(ev.key)) {
    ev.preventDefault();
    onCell(r, l, c, b, { value: ev.key });
  } else if (ev.key === "н" || ev.key === "y") {
    ev.preventDefault();
    onCell(r, l, c, b, { absent: true });
  }
}

async function journalPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Журнал"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет доступных страниц журнала.")); return; }
  m.append(loadPicker("journal", sel));
  const page = await api(journalPath(sel.load, sel.term));
  const editor = el("section", { id: "editor", class: "panel", "aria-label": "Ячейка", hidden: true });
  const reload = async (focusId) => {
    await journalPage(params);
    if (focusId) { const f = document.getElementById(focusId); if (f) f.focus(); }
  };
  // Editable: the teacher's own class-subject, or a page with a lesson they substitute (R-SUB-1).
  const own = sel.load.own || (page.lessons || []).some((l) => substitutionOf(l));
  m.append(el("p", { class: "muted" }, "Стрелки — переход по ячейкам, цифра 1–5 — отметка, «н» — " +
    "отсутствие, Enter — открыть ячейку. Состояние на запись №" + (page.as_of_sequence || "0") + "."),
  gridTable(page, {
    onCell: own ? (r, l, c, b, pre) => cellEditor(editor, r, l, c, b, pre, reload) : null,
    onLesson: own ? (l) => lessonEditor(editor, l, reload) : null,
    // Term marks: the subject's teacher only, not a substitute (R-TERM-1).
    onTerm: sel.load.own ? (r) => termEditor(editor, r, sel, reload) : null,
  }), editor);
  if (has("teacher")) m.append(substituteLessons());
}

// R-SUB-1: the lessons the teacher takes as a substitute, each a link to its journal page.
function substituteLessons() {
  const list = me.substitute_lessons || [];
  const box = el("section", { id: "substitute-lessons", "aria-labelledby": "sub-h" },
    el("h2", { id: "sub-h" }, "Уроки на замене: " + list.length));
  if (!list.length) return box.append(el("p", { class: "muted" }, "Замен нет.")), box;
  box.append(el("ul", {}, ...list.map((l) => {
    const i = me.loads.findIndex((x) => x.class_id === l.class_id && x.subject_id === l.subject_id &&
      (x.subgroup_id || "") === (l.subgroup_id || ""));
    const text = `${fmtDate(parseDate(l.date), false, true)}, ${l.period} урок — ${l.class_id}, ${l.subject_id} ` +
      `(вместо ${l.absent_teacher_id})` + (l.cancelled ? " — урок отменён" : "");
    return el("li", { "data-lesson": l.lesson_id }, i >= 0 ? el("a", { href: `#/journal?load=${i}` + (l.term ? `&term=${l.term}` : "") }, text) : text);
  })));
  return box;
}

function substitutionOf(lesson) {
  const subs = lesson.substitute_teacher_ids || [];
  const k = subs.indexOf(session.user_id);
  return k >= 0 ? (lesson.substitution_ids || [])[k] : "";
}

function workSelect(id, value) {
  return el("select", { id, name: "work" }, ...WORKS.map(([v, name]) =>
    el("option", { value: v, selected: v === value }, name)));
}

function cellEditor(box, row, lesson, cell, button, pre = {}, reload) {
  document.querySelectorAll("td.cell button[aria-pressed]").forEach((x) => x.removeAttribute("aria-pressed"));
  button.setAttribute("aria-pressed", "true");
  box.hidden = false;
  clear(box);
  const sub = substitutionOf(lesson);
  const extra = { businessDate: lesson.date, substitutionId: sub };
  const focusBack = button.id;
  const done = async (msg) => { await reload(focusBack); status(msg); };
  box.append(el("h2", {}, `${row.student_name || row.student_id} — ${fmtDate(lesson.date)}` + (sub ? " (замена)" : "")));
  for (const mk of (cell && cell.marks) || []) {
    box.append(el("p", {}, "Отметка ", el("b", {}, cellText({ marks: [mk] })), " — " +
      workName(mk.work_type) + (mk.corrected ? " (исправлена)" : "")));
  }
  // A new mark.
  const value = el("input", { id: "mark-value", name: "value", inputmode: "numeric",
    size: 2, required: true, value: pre.value || "", "aria-label": "Отметка 1–5" });
  const second = el("input", { id: "mark-second", name: "second", inputmode: "numeric",
    size: 2, "aria-label": "Вторая часть отметки (дробь)" });
  const form = el("form", { id: "mark-form" }, el("div", { class: "row" },
    el("label", {}, "Отметка ", value), el("label", {}, "Дробь ", second),
    el("label", {}, "Вид работы ", workSelect("mark-work", "WORK_TYPE_ANSWER_IN_CLASS")),
    el("button", { type: "submit", id: "mark-submit" }, "Поставить")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await submit({ case: "markRecorded", value: {
        markId: "m-" + uuid(), lessonId: lesson.lesson_id, studentId: row.student_id,
        value: { value: parseInt(value.value, 10), secondValue: parseInt(second.value || "0", 10) },
        workType: WORKS.find((w) => w[0] === form.work.value)[2] } }, extra);
      await done("Отметка записана.");
    } catch (e) { fail(e); }
  };
  // Attendance.
  const minutes = el("input", { id: "late-minutes", inputmode: "numeric", size: 3, value: "5",
    "aria-label": "Минут опоздания" });
  const att = async (late) => {
    try {
      await submit({ case: "attendanceRecorded", value: { lessonId: lesson.lesson_id,
        studentId: row.student_id, status: late ? 2 : 1,
        minutesLate: late ? parseInt(minutes.value || "0", 10) : 0 } }, extra);
      await done(late ? "Опоздание записано." : "Отсутствие записано.");
    } catch (e) { fail(e); }
  };
  box.append(form, el("div", { class: "row" },
    el("button", { type: "button", id: "absent", onclick: () => att(false) }, "Отсутствовал (н)"),
    el("label", {}, "Опоздание, мин ", minutes),
    el("button", { type: "button", id: "late", onclick: () => att(true) }, "Опоздал")));
  // A correction request per existing mark (R-COR-1). A cell may hold several marks (an answer
  // and a control work on one day), so each form names its mark in `data-mark`; no ids, which
  // would repeat.
  for (const mk of (cell && cell.marks) || []) {
    const nv = el("input", { class: "corr-value", inputmode: "numeric", size: 2, required: true,
      "aria-label": "Новое значение" });
    const reason = el("input", { class: "corr-reason", required: true, size: 30, "aria-label": "Причина" });
    const cf = el("form", { class: "corr-form", "data-mark": mk.mark_id }, el("h2", {},
      "Запрос на исправление отметки " + cellText({ marks: [mk] }) + " — " + workName(mk.work_type)),
      el("div", { class: "row" }, el("label", {}, "Новая отметка ", nv),
        el("label", {}, "Причина ", reason),
        el("button", { type: "submit" }, "Запросить исправление")));
    cf.onsubmit = async (ev) => {
      ev.preventDefault();
      try {
        const h = await api(S() + "/lessons/" + lesson.lesson_id + "/students/" + row.student_id + "/history");
        const ev0 = (h.events || []).find((e) => String(e.sequence) === String(mk.sequence));
        if (!ev0) throw new Error("в истории ячейки нет записи " + mk.sequence);
        await submit({ case: "correctionRequested", value: {
          requestId: "rq-" + uuid(), target: { target: { case: "markId", value: mk.mark_id } }, originalEventId: ev0.event_id,
          reason: reason.value, proposal: { case: "mark", value: {
            markId: mk.mark_id, lessonId: lesson.lesson_id, studentId: row.student_id,
            value: { value: parseInt(nv.value, 10) },
            workType: WORKS.find((w) => w[0] === (mk.work_type || "WORK_TYPE_ANSWER_IN_CLASS"))[2] } } } },
        { businessDate: lesson.date, substitutionId: sub });
        await done("Запрос на исправление отправлен завучу.");
      } catch (e) { fail(e); }
    };
    box.append(cf);
  }
  if (pre.absent) att(false);
  else (pre.value ? form.querySelector("#mark-submit") : value).focus();
}

function lessonEditor(box, lesson, reload) {
  box.hidden = false;
  clear(box);
  const sub = substitutionOf(lesson);
  const extra = { businessDate: lesson.date, substitutionId: sub };
  const topic = el("input", { id: "topic", size: 40, required: true,
    value: lesson.topic || lesson.planned_topic || "", "aria-label": "Тема урока" });
  const tf = el("form", { id: "topic-form" }, el("h2", {}, "Урок " + fmtDate(lesson.date) + (sub ? " (замена)" : "")),
    el("label", {}, "Тема ", topic), el("button", { type: "submit" }, "Записать тему"));
  tf.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await submit({ case: "lessonConducted", value: { lessonId: lesson.lesson_id, topic: topic.value,
        kind: 1 } }, extra);
      await reload(); status("Тема записана.");
    } catch (e) { fail(e); }
  };
  const hw = el("textarea", { id: "homework", rows: 2, cols: 40, required: true, "aria-label": "Домашнее задание" });
  const hf = el("form", { id: "homework-form" }, el("label", {}, "Домашнее задание ", hw),
    el("button", { type: "submit" }, "Задать"));
  hf.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      await submit({ case: "homeworkAssigned", value: { homeworkId: "hw-" + uuid(),
        lessonId: lesson.lesson_id, text: hw.value } }, extra);
      await reload(); status("Домашнее задание записано.");
    } catch (e) { fail(e); }
  };
  box.append(tf, el("p", { class: "muted" }, (lesson.homework || []).map((h) => "ДЗ: " + h.text).join("; ")), hf);
  topic.focus();
}

// ---- parent and student: the diary
async function diaryPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Дневник"));
  const students = me.students;
  if (!students.length) { m.append(el("p", {}, "Нет доступных дневников.")); return; }
  const student = params.get("student") || students[0].student_id;
  const week = params.get("week") || me.today;
  const view = await api(S() + "/students/" + encodeURIComponent(student) + "/diary?week=" + week);
  const ws = view.week_start;
  const wsText = `${ws.year}-${String(ws.month).padStart(2, "0")}-${String(ws.day).padStart(2, "0")}`;
  const stSel = el("select", { id: "student", "aria-label": "Ученик" }, ...students.map((s) =>
    el("option", { value: s.student_id, selected: s.student_id === student }, s.student_name || s.student_id)));
  stSel.onchange = () => go("diary", { student: stSel.value, week });
  m.append(el("div", { class: "row" }, el("label", {}, "Ученик ", stSel),
    el("button", { type: "button", class: "secondary", id: "prev-week",
      onclick: () => go("diary", { student, week: addDays(wsText, -7) }) }, "← Неделя"),
    el("span", {}, "Неделя с " + fmtDate(ws)),
    el("button", { type: "button", class: "secondary", id: "next-week",
      onclick: () => go("diary", { student, week: addDays(wsText, 7) }) }, "Неделя →"),
    el("a", { id: "print", target: "_blank", rel: "noopener",
      href: S() + "/students/" + encodeURIComponent(student) + "/diary.html?week=" + wsText }, "Печать недели")));
  const st = students.find((s) => s.student_id === student);
  const classTeacher = st && me.class_teacher_of.some((c) => c.class_id === st.class_id);
  for (const d of view.days || []) {
    const day = el("section", { class: "day card" }, el("h2", {}, fmtDate(d.date, false, true)));
    for (const dl of d.lessons || []) {
      const l = dl.lesson;
      const text = cellText(dl.cell);
      day.append(el("div", { class: "lesson" },
        el("span", { class: "muted" }, String(l.period || "")),
        el("div", {}, el("b", {}, l.subject_id), l.cancelled ? " (отменён)" : "",
          l.topic ? el("div", {}, "Тема: " + l.topic) : "",
          ...(l.homework || []).map((h) => el("div", {}, "ДЗ: " + h.text))),
        el("span", { class: (text.includes("н") ? "absent" : "mark") + " diary-mark",
          "data-lesson": l.lesson_id }, text + (dl.new_since_acknowledgement ? " •" : ""))));
      if (classTeacher && dl.cell && dl.cell.attendance === "ATTENDANCE_STATUS_ABSENT") {
        day.append(reasonControl(student, l, dl.cell, () => diaryPage(params)));
      }
    }
    m.append(day);
  }
  if (!(view.days || []).length) m.append(el("p", {}, "На этой неделе уроков нет."));
  if ((view.term_marks || []).length) {
    m.append(el("h2", {}, "Отметки за периоды"), el("ul", {}, ...view.term_marks.map((t) =>
      el("li", {}, `${t.subject_id}: ${t.value || t.status}`))));
  }
  const acks = (view.acknowledgements || []).filter((a) => a.guardian_id === session.user_id);
  if (has("parent") && students.find((s) => s.student_id === student && s.child)) {
    // Acknowledged: an acknowledgement of mine, and nothing new in the week since (R-ACK-1).
    const anyNew = (view.days || []).some((d) => (d.lessons || []).some((l) => l.new_since_acknowledgement));
    const acked = acks.length > 0 && !anyNew;
    m.append(el("div", { class: "row" }, el("button", { type: "button", id: "ack", disabled: acked,
      onclick: async () => {
        try {
          await submit({ case: "diaryAcknowledged", value: { guardianId: session.user_id,
            studentId: student, weekStart: dateMsg(ws), asOfSequence: BigInt(view.as_of_sequence || 0),
            channel: 1 } }, { businessDate: ws });
          await diaryPage(params); status("Отмечено: ознакомлен.");
        } catch (e) { fail(e); }
      } }, acked ? "Ознакомлен ✓" : "Ознакомлен")));
  }
}

// The class teacher classifies an absence (R-ATT-2).
const REASONS = [["ABSENCE_REASON_ILLNESS", "по болезни", 1], ["ABSENCE_REASON_VALID", "уважительная", 2],
  ["ABSENCE_REASON_NOT_VALID", "неуважительная", 3]];
function reasonControl(student, lesson, cell, reload) {
  const sel = el("select", { class: "absence-reason", "aria-label": "Причина отсутствия" },
    ...REASONS.map(([v, t]) => el("option", { value: v, selected: cell.absence_reason === v }, t)));
  return el("div", { class: "row" }, el("label", {}, "Причина отсутствия ", sel),
    el("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await submit({ case: "absenceReasonSet", value: { studentId: student,
          reason: REASONS.find((r) => r[0] === sel.value)[2], lessonIds: [lesson.lesson_id] } });
        await reload(); status("Причина отсутствия записана.");
      } catch (e) { fail(e); }
    } }, "Сохранить"));
}

// ---- deputy: the correction queue
// What a request corrects (PendingCorrectionView.target).
const TARGETS = { mark: "отметка", attendance: "посещаемость", lesson: "запись урока",
  homework: "домашнее задание", term: "отметка за период", exam: "отметка аттестации" };
async function correctionsPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Запросы на исправление"));
  const q = await api(S() + "/corrections");
  const list = el("div", { class: "cards" });
  for (const r of q.requests || []) {
    const p = r.proposal || {};
    const mk = p.mark;
    // Names where the queue has them (PendingCorrectionView), the ids otherwise.
    const where = [r.student_id ? "ученик " + (r.student_name || r.student_id) : "",
      r.class_id ? "класс " + (r.class_name || r.class_id) : "", r.subject_id ? (r.subject_name || r.subject_id) : ""]
      .filter((x) => x).join(", ");
    const card = el("article", { class: "card", "data-request": r.request_id },
      el("h2", {}, `${r.requester_name || r.requester_id}: ${TARGETS[r.target] || r.target}`),
      where ? el("p", { class: "correction-cell" }, where) : "",
      el("p", {}, "Причина: " + r.reason),
      mk ? el("p", {}, `Предлагается: ${mk.value.value}${mk.value.second_value ? "/" + mk.value.second_value : ""} ` +
        `(${workName(mk.work_type)})`) : "",
      el("p", { class: "muted" }, "Дата урока: " + fmtDate(r.business_date) + ", запрос №" + r.sequence));
    const hist = el("div", { class: "history" });
    const student = r.student_id || (mk ? mk.student_id : (p.attendance || {}).student_id);
    const comment = el("input", { class: "decision-reason", "aria-label": "Комментарий или причина отказа", size: 30 });
    const decide = async (approve) => {
      try {
        if (approve) await submit({ case: "correctionApproved", value: { requestId: r.request_id,
          comment: comment.value } }, { businessDate: r.business_date });
        else {
          if (!comment.value) throw new Error("Укажите причину отказа");
          await submit({ case: "correctionRejected", value: { requestId: r.request_id,
            reason: comment.value } }, { businessDate: r.business_date });
        }
        await correctionsPage(); status(approve ? "Исправление одобрено." : "Исправление отклонено.");
      } catch (e) { fail(e); }
    };
    card.append(el("div", { class: "row" },
      student ? el("button", { type: "button", class: "secondary", onclick: async () => {
        try { showHistory(hist, await api(S() + "/lessons/" + r.lesson_id + "/students/" + student + "/history")); }
        catch (e) { fail(e); } } }, "История ячейки") : "",
      el("label", {}, "Комментарий ", comment),
      el("button", { type: "button", class: "approve", onclick: () => decide(true) }, "Одобрить"),
      el("button", { type: "button", class: "reject secondary", onclick: () => decide(false) }, "Отклонить")),
    hist);
    list.append(card);
  }
  if (!(q.requests || []).length) list.append(el("p", {}, "Очередь пуста."));
  m.append(list);
}

function showHistory(box, h) {
  clear(box).append(el("div", { class: "scroll" }, el("table", {},
    el("thead", {}, el("tr", {}, ...["№", "Время записи", "Кто", "Событие", "Состояние"].map((t) => el("th", { scope: "col" }, t)))),
    el("tbody", {}, ...(h.events || []).map((e) => el("tr", {},
      el("td", {}, String(e.sequence)),
      el("td", {}, new Date(Number(e.recorded_at_us) / 1000).toLocaleString("ru-RU")),
      el("td", { class: "actor" }, actorText(e)), el("td", { title: e.body_json || "" }, typeName(e.type)),
      el("td", {}, e.invalid ? "недействительно (акт " + (e.invalidated_by_act || "") + ")" :
        e.superseded_by && e.superseded_by !== "0" ? "заменено записью " + e.superseded_by : "действует")))))));
}

// ---- director: the credential-compromise Act with its dry run (R-SEC-2, R-SEC-3)
async function actPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Акт о компрометации учётных данных"));
  const f = el("form", { id: "act-form" },
    el("label", {}, "Пользователь, чей доступ скомпрометирован ", el("input", { name: "user", id: "act-user", required: true })),
    el("label", {}, "Скомпрометированные учётные данные (через запятую) ", el("input", { name: "creds", id: "act-creds", size: 40, required: true })),
    el("label", {}, "Недействительно с (время школы) ", el("input", { name: "from", id: "act-from", type: "datetime-local", step: 1, required: true })),
    el("label", {}, "Номер акта ", el("input", { name: "number", id: "act-number", value: "1/" + me.today.slice(0, 4) })),
    el("label", {}, "Комиссия (через запятую) ", el("input", { name: "commission", id: "act-commission", value: session.user_id })),
    el("label", {}, "Обстоятельства ", el("textarea", { name: "reason", id: "act-reason", rows: 2, cols: 40 })),
    el("button", { type: "submit", id: "act-dry-run" }, "Пробный прогон"),
    el("button", { type: "button", id: "act-record", disabled: true }, "Записать акт"));
  const out = el("section", { id: "act-preview", "aria-live": "polite" });
  let checked = null;
  const params = () => {
    const fd = new FormData(f);
    const creds = String(fd.get("creds") || "").split(",").map((s) => s.trim()).filter(Boolean);
    return { user: String(fd.get("user")).trim(), creds,
      fromUs: BigInt(new Date(String(fd.get("from"))).getTime()) * 1000n,
      number: String(fd.get("number")), reason: String(fd.get("reason") || ""),
      commission: String(fd.get("commission") || "").split(",").map((s) => s.trim()).filter(Boolean) };
  };
  f.oninput = () => { checked = null; f.querySelector("#act-record").disabled = true; };
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const p = params();
      const r = await api(S() + "/acts:preview", { method: "POST", json: {
        affected_user_id: p.user, affected_credential_ids: p.creds, invalid_from_us: String(p.fromUs) } });
      const events = r.events || [];
      clear(out).append(el("h2", {}, `Акт сделает недействительными записей: ${events.length}`),
        el("ul", { id: "act-list" }, ...events.map((e) => el("li", {},
          `№${e.sequence} ${typeName(e.type)} — ${actorText(e)}` +
          (e.because_of && e.because_of !== "0" ? ` (опирается на запись №${e.because_of})` : " (подписано скомпрометированным ключом)")))));
      checked = JSON.stringify(p, (k, v) => (typeof v === "bigint" ? String(v) : v));
      f.querySelector("#act-record").disabled = false;
    } catch (e) { fail(e); }
  };
  f.querySelector("#act-record").onclick = async () => {
    const p = params();
    if (checked !== JSON.stringify(p, (k, v) => (typeof v === "bigint" ? String(v) : v))) {
      return fail(new Error("Сначала выполните пробный прогон с этими данными"));
    }
    try {
      const today = parseDate(me.today);
      const r = await submit({ case: "credentialCompromiseActRecorded", value: {
        actId: "act-" + uuid(), actNumber: p.number, actDate: today,
        commission: p.commission.map((u) => ({ userId: u })), affectedUserId: p.user,
        affectedCredentialIds: p.creds, invalidFromUs: p.fromUs, circumstances: p.reason } },
      { businessDate: today });
      f.querySelector("#act-record").disabled = true;
      status("Акт записан: запись №" + r.sequence + ".");
      out.append(el("p", { id: "act-recorded" }, "Акт записан в журнал: запись №" + r.sequence));
      await showAwaiting(awaiting);
    } catch (e) { fail(e); }
  };
  const awaiting = el("section", { id: "awaiting" });
  m.append(f, out, awaiting);
  await showAwaiting(awaiting);
}

// ---- charts (pages.js draws them): month names and SVG elements
export const MONTHS = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"];
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// ---- methodist: substitutions (R-SUB-1)
async function substitutionsPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Замены"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет страниц журнала.")); return; }
  m.append(loadPicker("substitutions", sel));
  const page = await api(journalPath(sel.load, sel.term));
  const today = me.today;
  const lessons = (page.lessons || []).filter((l) => !l.cancelled && isoOf(l.date) >= today);
  const shown = lessons.length ? lessons : (page.lessons || []).slice(-5);
  const f = el("form", { id: "sub-form" },
    el("fieldset", {}, el("legend", {}, "Уроки"), ...shown.map((l) => el("label", {},
      el("input", { type: "checkbox", name: "lesson", value: l.lesson_id, "data-teacher": l.teacher_id }),
      ` ${fmtDate(l.date)}, ${l.period || ""} урок — учитель ${l.teacher_id}` +
      ((l.substitute_teacher_ids || []).length ? ` (замена: ${l.substitute_teacher_ids.join(", ")})` : "")))),
    el("label", {}, "Заменяющий учитель ", el("input", { name: "substitute", id: "sub-teacher", required: true })),
    el("label", {}, "Причина ", el("input", { name: "reason", id: "sub-reason", size: 30 })),
    el("button", { type: "submit" }, "Назначить замену"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    const checked = [...f.querySelectorAll("input[name=lesson]:checked")];
    try {
      if (!checked.length) throw new Error("Отметьте уроки");
      const r = await submit({ case: "substitutionAssigned", value: { substitutionId: "sub-" + uuid(),
        lessonIds: checked.map((c) => c.value), absentTeacherId: checked[0].dataset.teacher,
        substituteTeacherId: f.substitute.value.trim(), reason: f.reason.value } });
      await substitutionsPage(params);
      status("Замена записана: запись №" + r.sequence + ".");
    } catch (e) { fail(e); }
  };
  m.append(f);
  // The substitutions in force on these lessons, each cancellable (SubstitutionCancelled, R-SUB-1).
  const inForce = new Map();
  for (const l of shown) {
    (l.substitution_ids || []).forEach((id, k) => {
      const e = inForce.get(id) || { teacher: (l.substitute_teacher_ids || [])[k], dates: [] };
      e.dates.push(fmtDate(l.date, true));
      inForce.set(id, e);
    });
  }
  if (!inForce.size) return;
  const reason = el("input", { id: "sub-cancel-reason", size: 30, "aria-label": "Причина отмены замены" });
  m.append(el("section", { id: "subs-in-force", class: "panel" }, el("h2", {}, "Замены в силе"),
    el("label", {}, "Причина отмены ", reason),
    el("ul", {}, ...[...inForce].map(([id, e]) => el("li", { "data-substitution": id },
      `${e.teacher}: ${e.dates.join(", ")} `,
      el("button", { type: "button", class: "secondary sub-cancel", onclick: async () => {
        try {
          if (!reason.value.trim()) throw new Error("Укажите причину отмены замены");
          const r = await submit({ case: "substitutionCancelled", value: { substitutionId: id, reason: reason.value.trim() } });
          await substitutionsPage(params);
          status("Замена отменена: запись №" + r.sequence + ".");
        } catch (err) { fail(err); }
      } }, "Отменить замену"))))));
}

// ---- auditor: as-of journal vs now, cell history, checkpoint and inclusion proof
async function auditPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Аудит"));
  const sel = pickLoad(params);
  if (sel) {
    m.append(el("h2", {}, "Страница журнала на момент и сейчас"), loadPicker("audit", sel, { at: params.get("at") || "" }));
    const now = await api(journalPath(sel.load, sel.term));
    const at = params.get("at") || "";
    const atInput = el("input", { type: "datetime-local", id: "as-of", value: at, step: 1,
      "aria-label": "На момент" });
    const slider = el("input", { type: "range", id: "as-of-slider", min: 0, max: 100, value: 100,
      "aria-label": "Момент: от начала периода до сейчас" });
    const start = now.dates && now.dates.first_day ? new Date(addDays(isoOf(now.dates.first_day), 0) + "T00:00").getTime() : Date.now() - 90 * 864e5;
    const end = Date.now();
    if (at) slider.value = String(Math.round(100 * (new Date(at).getTime() - start) / (end - start)));
    slider.onchange = () => {
      const t = new Date(start + (end - start) * Number(slider.value) / 100);
      go("audit", { load: sel.i, term: sel.term, at: localInput(t) });
    };
    atInput.onchange = () => go("audit", { load: sel.i, term: sel.term, at: atInput.value });
    m.append(el("div", { class: "row" }, el("label", {}, "На момент ", atInput), el("label", {}, "Шкала ", slider)));
    const side = el("div", { class: "side" });
    if (at) {
      const us = BigInt(new Date(at).getTime()) * 1000n;
      const then = await api(journalPath(sel.load, sel.term) + (sel.load.subgroup_id ? "&" : "?") + "as_of_us=" + us);
      const thenText = new Map();
      for (const r of then.rows || []) for (const c of r.cells || []) thenText.set(r.student_id + "|" + c.lesson_id, cellText(c));
      const nowText = new Map();
      for (const r of now.rows || []) for (const c of r.cells || []) nowText.set(r.student_id + "|" + c.lesson_id, cellText(c));
      side.append(el("section", { id: "as-of-page" }, el("h2", {}, "На " + new Date(at).toLocaleString("ru-RU") + " (запись №" + then.as_of_sequence + ")"),
        gridTable(then, { compare: (s, l) => nowText.get(s + "|" + l) || "" })),
      el("section", { id: "now-page" }, el("h2", {}, "Сейчас (запись №" + now.as_of_sequence + ")"),
        gridTable(now, { compare: (s, l) => thenText.get(s + "|" + l) || "" })));
    } else {
      side.append(el("section", { id: "now-page" }, el("h2", {}, "Сейчас"), gridTable(now)));
    }
    m.append(side, el("p", { class: "muted" }, "Красным отмечены ячейки, которые отличаются."));
  }
  // Cell history.
  const hl = el("input", { id: "hist-lesson", required: true, "aria-label": "Урок" });
  const hs = el("input", { id: "hist-student", required: true, "aria-label": "Ученик" });
  const hbox = el("div", { id: "hist-out" });
  const hf = el("form", { id: "hist-form" }, el("h2", {}, "История ячейки"),
    el("div", { class: "row" }, el("label", {}, "Урок ", hl), el("label", {}, "Ученик ", hs),
      el("button", { type: "submit" }, "Показать")), hbox);
  hf.onsubmit = async (ev) => {
    ev.preventDefault();
    try { showHistory(hbox, await api(S() + "/lessons/" + hl.value + "/students/" + hs.value + "/history")); }
    catch (e) { fail(e); }
  };
  // Inclusion proof, verified here.
  const seq = el("input", { id: "proof-seq", inputmode: "numeric", required: true, value: "1", "aria-label": "Номер записи" });
  const vbox = el("div", { id: "proof-out", "aria-live": "polite" });
  const pf = el("form", { id: "proof-form" }, el("h2", {}, "Проверка записи по контрольной точке"),
    el("p", { class: "muted" }, "Браузер сам проверяет подпись контрольной точки (Ed25519) и путь " +
      "включения записи в дерево Меркла (SHA-256)."),
    el("div", { class: "row" }, el("label", {}, "Запись № ", seq), el("button", { type: "submit" }, "Проверить")), vbox);
  pf.onsubmit = async (ev) => {
    ev.preventDefault();
    clear(vbox).append(el("p", {}, "Проверяю…"));
    try {
      const n = parseInt(seq.value, 10);
      const vkey = (await (await fetch("/api/v1/ledger/verifier-key")).text()).trim();
      const note = await (await fetch("/api/v1/ledger/checkpoint")).text();
      const entry = await api("/api/v1/ledger/entries/" + n);
      const result = await verifyInclusion({ vkey, note, entry, n,
        proof: (size) => api("/api/v1/ledger/proofs/inclusion?sequence=" + n + "&size=" + size) });
      let decoded = "";
      try {
        const le = fromBinary(LedgerEntrySchema, result.leaf);
        decoded = `запись №${le.sequence}, подписана ${le.event ? le.event.credentialId : "?"}`;
      } catch { decoded = ""; }
      clear(vbox).append(el("p", { class: result.ok ? "verdict-ok" : "verdict-bad", id: "verdict" }, result.verdict),
        el("ul", {}, ...result.steps.map((s) => el("li", {}, s)), decoded ? el("li", {}, decoded) : ""));
    } catch (e) {
      clear(vbox).append(el("p", { class: "verdict-bad", id: "verdict" }, "Не проверено: " + ruleText(e)));
    }
  };
  m.append(hf, pf);
}

export function isoOf(d) { return `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`; }
function localInput(t) {
  const p = (x) => String(x).padStart(2, "0");
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
}

window.addEventListener("hashchange", render);
render();
