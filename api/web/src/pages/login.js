// The sign-in page: school, login, password. The session key is made here, in the browser
// (session.js signIn); the page shown after is the user's home page by role.
import { el, clear, fail, main } from "../ui.js";
import { signIn } from "../session.js";
import { show, home } from "../router.js";

export function loginPage() {
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
      await signIn({ school: f.get("school"), login: f.get("login"), password: f.get("password") });
      await show(home());
    } catch (e) { fail(e); }
  };
  m.append(form);
  form.querySelector("#login").focus();
}
