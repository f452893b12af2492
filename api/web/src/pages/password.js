// «Смена пароля»: the user sets their own password (PasswordChanged BY_USER, R-ACC-5). After a
// first password from the class teacher or a reset (R-SET-2) the router shows only this page
// until the new one is set: the node refuses every other write of such a session.
import { el, clear, status, main, failAt, clearFail } from "../ui.js";
import { me, setPassword } from "../session.js";
import { show, home } from "../router.js";

const MIN_LENGTH = 8;

export async function passwordPage() {
  const m = clear(main());
  const first = me.must_change_password;
  const pwd = el("input", { type: "password", id: "new-password", required: true, minlength: MIN_LENGTH,
    autocomplete: "new-password" });
  const again = el("input", { type: "password", id: "new-password-again", required: true, minlength: MIN_LENGTH,
    autocomplete: "new-password" });
  const f = el("form", { id: "password-form", "aria-labelledby": "password-h" },
    el("h1", { id: "password-h" }, "Смена пароля"),
    first ? el("p", { id: "password-first" }, "Вы вошли с выданным паролем. Придумайте свой пароль: " +
      "выданный действует только для первого входа (R-SET-2).") : "",
    el("label", {}, "Новый пароль ", pwd),
    el("label", {}, "Ещё раз ", again),
    el("p", { class: "muted" }, `Не короче ${MIN_LENGTH} символов. Пароль хранится на сервере школы только ` +
      "в виде проверочного значения и в журнал не записывается."),
    el("button", { type: "submit" }, "Сохранить пароль"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      if (pwd.value.length < MIN_LENGTH) throw new Error(`Пароль не короче ${MIN_LENGTH} символов (R-ACC-5)`);
      if (pwd.value !== again.value) throw new Error("Пароли не совпадают");
      const r = await setPassword(me.user_id, 2, pwd.value);
      await show(home());
      status(`Пароль изменён: запись №${r.sequence}.`);
    } catch (e) { failAt(f, e); }
  };
  m.append(f);
  pwd.focus();
}
