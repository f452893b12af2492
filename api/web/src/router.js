// The hash router: pages are "#/<page>?<params>". The navigation bar offers the pages the user's
// roles open; the page table itself is given to start() by app.js, so that the pages may import
// go() from here without an import cycle.
import { el, clear, status, fail } from "./ui.js";
import { me, has, restore, signOut, api, S } from "./session.js";
import { setTimeZone } from "./dates.js";

export function route() {
  const h = location.hash.replace(/^#\/?/, "");
  const [page, q] = h.split("?");
  return { page: page || "", params: new URLSearchParams(q || "") };
}
export function go(page, params = {}) {
  const q = new URLSearchParams(params).toString();
  location.hash = "#/" + page + (q ? "?" + q : "");
}
// Goes to `page` and resolves once it is rendered, so that a status set afterwards stays shown.
export async function goRendered(page, params = {}) {
  const q = new URLSearchParams(params).toString();
  const target = "#/" + page + (q ? "?" + q : "");
  if (location.hash === target) return render();
  const changed = new Promise((r) => window.addEventListener("hashchange", r, { once: true }));
  location.hash = target;
  await changed;  // the router's own listener, added first, has started the render
  await rendering;
}
// Shows `page` (no parameters), rendering it anew when it is already the current one.
export async function show(page) {
  const target = "#/" + page;
  if (location.hash === target) await render();
  else location.hash = target;  // hashchange renders
}

// The page a user lands on after signing in, by role.
export function home() {
  if (has("admin")) return "setup";
  if (has("teacher")) return "today";
  if (has("parent") || has("student")) return "diary";
  if (has("deputy")) return "corrections";
  if (has("director")) return "act";
  if (has("auditor")) return "audit";
  if (has("methodist")) return "substitutions";
  return "journal";
}

function nav() {
  const n = clear(document.getElementById("nav"));
  if (!me) return;
  const links = [];
  if (me.must_change_password) {
    n.append(el("button", { class: "secondary", type: "button", id: "logout", onclick: logout }, "Выйти"));
    return;
  }
  if (has("teacher")) links.push(["today", "Мой день"]);
  if (has("teacher") || has("deputy") || has("director") || has("methodist") || has("class_teacher"))
    links.push(["journal", "Журнал"]);
  if (has("parent") || has("student") || has("class_teacher") || has("teacher"))
    links.push(["diary", "Дневник"]);
  if (has("parent") || has("student")) links.push(["marks", "Оценки"]);
  links.push(["week", "Расписание"]);
  if (has("class_teacher")) links.push(["class", "Мой класс"]);
  if (has("teacher")) links.push(["plan", "КТП"]);
  if (has("deputy")) links.push(["corrections", "Исправления"]);
  if (has("deputy") || has("director") || has("auditor")) links.push(["reports", "Отчёты"]);
  if (has("director") || has("admin")) links.push(["act", "Акт"]);
  if (has("methodist")) links.push(["timetable", "Изменения расписания"], ["substitutions", "Замены"]);
  if (has("methodist") || has("admin") || has("director") || has("deputy")) links.push(["schedule", "Составление расписания"]);
  if (has("admin") || has("director") || has("deputy")) links.push(["setup", "Администрирование"]);
  if (has("auditor") || has("deputy") || has("director")) links.push(["audit", "Аудит"], ["ledger", "Реестр"]);
  if (has("teacher") || has("class_teacher") || has("methodist") || has("deputy")) links.push(["reentry", "Повторный ввод"]);
  links.push(["notifications", noticesLabel(me.unseen_notifications || 0)],
    ["messages", messagesLabel(me.unread_messages || 0)], ["news", "Объявления"], ["surveys", "Опросы"]);
  const page = route().page;
  for (const [p, t] of links) {
    const a = el("a", { href: "#/" + p }, t);
    if (p === page) a.setAttribute("aria-current", "page");
    n.append(a);
  }
  n.append(el("a", { id: "who", href: "#/password", title: "Сменить пароль" }, me.display_name || me.user_id),
    el("button", { class: "secondary", type: "button", id: "logout", onclick: logout }, "Выйти"));
}

// «Сообщения» with the count of unread messages (R-MSG-1).
const messagesLabel = (n) => (n ? `Сообщения (${n})` : "Сообщения");
export function showUnread(n) {
  if (me) me.unread_messages = n;
  const a = document.querySelector("#nav a[href='#/messages']");
  if (a) a.textContent = messagesLabel(n);
}

// «Уведомления» with the count of new ones (R-MSG-4).
const noticesLabel = (n) => (n ? `Уведомления (${n})` : "Уведомления");
export function showUnseen(n) {
  if (me) me.unseen_notifications = n;
  const a = document.querySelector("#nav a[href='#/notifications']");
  if (a) a.textContent = noticesLabel(n);
}

async function logout() {
  await signOut();
  await show("login");
}

// The sign-in page (shown for every hash while nobody is signed in) and the pages by name.
let loginPage = null;
let pages = {};

// Renders run one after another, so that two quick hash changes never interleave their pages.
let rendering = Promise.resolve();
function render() {
  rendering = rendering.then(renderNow, renderNow);
  return rendering;
}

async function renderNow() {
  status("");
  const { page, params } = route();
  if (!(await restore())) { nav(); return loginPage(); }
  setTimeZone(me.time_zone);  // moments are shown and entered in the school's time zone (R-TIME-1)
  nav();
  // The unread count as it is now (others write while this page is open); the page does not wait.
  if (!me.must_change_password) {
    api(S() + "/conversations?count_only=1").then((r) => showUnread(r.unread || 0), () => {});
  }
  // R-SET-2: a first or reset password is changed before anything else.
  const fn = me.must_change_password ? pages.password : pages[page];
  if (!fn) return go(home());
  try {
    await fn(params);
  } catch (e) {
    fail(e);
  }
}

// Starts the app: `login` renders the sign-in page, `table` maps page names to their render
// functions (each async, given the hash's URLSearchParams).
export function start(login, table) {
  loginPage = login;
  pages = table;
  window.addEventListener("hashchange", render);
  render();
}
