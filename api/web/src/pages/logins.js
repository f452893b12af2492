// The class's logins on the class teacher's page (R-SET-2): the class's students and their parents
// with their logins and whether a password was issued; first passwords made in the browser for the
// people ticked, each set by a signed PasswordChanged (INITIAL) with the password sent once to the
// node, which keeps only its verifier; then the slips to print and hand out. The passwords are
// shown on this page once and kept nowhere else.
import { el, clear, status, failAt, clearFail, collator } from "../ui.js";
import { api, S, me, setPassword } from "../session.js";

const PASSWORD_STATE = { none: "не выдан", issued: "выдан, ещё не сменён", own: "свой пароль" };
// Letters and digits that cannot be misread on paper (no 0/O, 1/l/I).
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const PASSWORD_LENGTH = 10;

export function newPassword() {
  const bytes = crypto.getRandomValues(new Uint8Array(PASSWORD_LENGTH * 2));
  let out = "";
  // Rejection sampling keeps every symbol equally likely.
  for (const b of bytes) {
    if (b >= 256 - (256 % ALPHABET.length)) continue;
    out += ALPHABET[b % ALPHABET.length];
    if (out.length === PASSWORD_LENGTH) return out;
  }
  return newPassword();
}

export async function loginsSection(cls) {
  const box = el("section", { id: "logins", "aria-labelledby": "logins-h" },
    el("h2", { id: "logins-h" }, "Входы учеников и родителей"));
  const data = await api(S() + "/classes/" + encodeURIComponent(cls.class_id) + "/logins");
  // One row per person: a student, then their parents; a parent of two children of the class once.
  const people = [];
  const seen = new Set();
  const students = [...data.students].sort((a, b) => collator.compare(a.name, b.name));
  for (const st of students) {
    people.push({ ...st, role: "ученик", of: "" });
    for (const p of [...st.parents].sort((a, b) => collator.compare(a.name, b.name))) {
      if (seen.has(p.user_id)) continue;
      seen.add(p.user_id);
      const kids = students.filter((x) => x.parents.some((q) => q.user_id === p.user_id)).map((x) => x.name);
      people.push({ ...p, role: "родитель", of: kids.join(", ") });
    }
  }
  if (!people.length) { box.append(el("p", {}, "В классе пока нет учеников.")); return box; }
  const issuable = (p) => p.active && p.password !== "own";
  const rows = people.map((p) => el("tr", { "data-user": p.user_id },
    el("td", {}, issuable(p) ? el("input", { type: "checkbox", class: "issue", value: p.user_id,
      checked: p.password === "none", "aria-label": "Выдать пароль: " + p.name }) : ""),
    el("th", { scope: "row", class: "text-left" }, p.name),
    el("td", {}, p.role + (p.of ? " (" + p.of + ")" : "")),
    el("td", { "data-login": p.login }, p.login),
    el("td", { class: "password-state" }, p.active ? PASSWORD_STATE[p.password] : "отключён")));
  const slips = el("section", { id: "slips", hidden: true, "aria-labelledby": "slips-h" });
  const f = el("form", { id: "logins-form" },
    el("div", { class: "scroll" }, el("table", { id: "logins-table" }, el("thead", {}, el("tr", {}, el("th", {}, "Выдать"),
      el("th", {}, "ФИО"), el("th", {}, "Кто"), el("th", {}, "Логин"), el("th", {}, "Пароль"))), el("tbody", {}, ...rows))),
    el("p", { class: "muted" }, "Отмеченным будут выданы новые первые пароли; при первом входе каждый сменит " +
      "свой. Пароль, уже сменённый пользователем, сбрасывает администратор."),
    el("button", { type: "submit" }, "Выдать пароли и напечатать листки"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    const chosen = [...f.querySelectorAll("input.issue:checked")].map((c) => people.find((p) => p.user_id === c.value));
    try {
      if (!chosen.length) throw new Error("Отметьте, кому выдать пароль");
      const issued = [];
      for (const p of chosen) {
        const password = newPassword();
        await setPassword(p.user_id, 1, password);
        issued.push({ ...p, password });
        f.querySelector(`tr[data-user="${CSS.escape(p.user_id)}"] .password-state`).textContent = PASSWORD_STATE.issued;
      }
      showSlips(slips, { name: data.school_name, id: data.school_id }, data.name + " класс", issued);
      status(`Выдано паролей: ${issued.length}. Напечатайте листки сейчас: пароли больше нигде не показываются.`);
    } catch (e) { failAt(f, e); }
  };
  box.append(f, slips);
  return box;
}

// Fills `box` with one printable slip per person of `issued` ({user_id, name, login, password,
// of}): the school, the class (`where`, may be empty), the address, the login and the password.
export function showSlips(box, school, where, issued) {
  clear(box).hidden = false;
  const print = el("button", { type: "button", id: "print-slips" }, "Печать");
  print.onclick = () => {
    document.body.classList.add("printing-slips");
    window.print();
    document.body.classList.remove("printing-slips");
  };
  box.append(el("h2", { id: "slips-h" }, "Листки с паролями"), print,
    el("div", { class: "slips" }, ...issued.map((p) => el("article", { class: "slip", "data-user": p.user_id },
      el("h3", {}, p.name),
      el("p", {}, school.name + (where ? `, ${where}` : "") + (p.of ? ` (родитель: ${p.of})` : "")),
      el("dl", {},
        el("dt", {}, "Адрес"), el("dd", {}, location.origin + "/"),
        el("dt", {}, "Школа"), el("dd", { class: "slip-school" }, school.id),
        el("dt", {}, "Логин"), el("dd", { class: "slip-login" }, p.login),
        el("dt", {}, "Пароль"), el("dd", { class: "slip-password" }, p.password)),
      el("p", { class: "muted" }, "При первом входе придумайте свой пароль. Выдан: " + me.display_name)))));
}
