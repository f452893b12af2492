// The credential-compromise Act (director, admin; R-SEC-2, R-SEC-3): the user picked by name, their
// credentials listed with when and how each was issued and used, to tick; the dry run lists what
// it would invalidate, and only then is the same Act recorded; below, the records awaiting
// re-entry by their author (R-SEC-4).
import { AuditListViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, failAt, main, byRu, credentialKind } from "../ui.js";
import { parseDate, fmtDateTime, instantOf } from "../dates.js";
import { api, read, submit, S, session, me, uuid } from "../session.js";
import { auditLine } from "../widgets.js";
import { showAwaiting } from "./reentry.js";
import { loadSetup } from "./setup.js";

export async function actPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Акт о компрометации учётных данных"));
  // People are picked by name: the fields offer the school's users (a login fills in) and take a
  // login, a full name or an id.
  const s = await loadSetup();
  const users = el("datalist", { id: "act-users" }, ...s.v.users.slice().sort(byRu((u) => u.user.displayName))
    .map((u) => el("option", { value: u.user.loginName }, u.user.displayName)));
  const userId = (text) => {
    const t = text.trim().toLowerCase();
    const u = s.v.users.find((x) => x.user.loginName.toLowerCase() === t) ||
      s.v.users.find((x) => x.user.displayName.toLowerCase() === t);
    return u ? u.user.userId : text.trim();
  };
  const myLogin = s.users.get(session.user_id) ? s.users.get(session.user_id).user.loginName : session.user_id;
  const f = el("form", { id: "act-form" },
    el("label", {}, "Пользователь, чей доступ скомпрометирован ", el("input", { name: "user", id: "act-user", required: true,
      list: "act-users", autocomplete: "off", placeholder: "ФИО или логин" }), users),
    el("fieldset", { id: "act-creds" }, el("legend", {}, "Скомпрометированные ключи входа"),
      el("p", { class: "muted" }, "Выберите пользователя — здесь появятся его ключи.")),
    el("label", {}, "Недействительно с (время школы) ", el("input", { name: "from", id: "act-from", type: "datetime-local", step: 1, required: true })),
    el("label", {}, "Номер акта ", el("input", { name: "number", id: "act-number", value: "1/" + me.today.slice(0, 4) })),
    el("label", {}, "Комиссия (через запятую) ", el("input", { name: "commission", id: "act-commission", value: myLogin })),
    el("label", {}, "Обстоятельства ", el("textarea", { name: "reason", id: "act-reason", rows: 2, cols: 40 })),
    el("button", { type: "submit", id: "act-dry-run" }, "Пробный прогон"),
    el("button", { type: "button", id: "act-record", disabled: true }, "Записать акт"));
  const out = el("section", { id: "act-preview", "aria-live": "polite" });
  let checked = null;
  const params = () => {
    const fd = new FormData(f);
    const creds = fd.getAll("creds").map(String);
    return { user: userId(String(fd.get("user"))), creds,
      fromUs: BigInt(instantOf(String(fd.get("from"))).getTime()) * 1000n,
      number: String(fd.get("number")), reason: String(fd.get("reason") || ""),
      commission: String(fd.get("commission") || "").split(",").map((x) => x.trim()).filter(Boolean).map(userId) };
  };
  f.oninput = () => { checked = null; f.querySelector("#act-record").disabled = true; };
  // The user's credentials (GET .../users/{user}/credentials), each a checkbox named by its kind,
  // label and dates; those still valid are ticked (an exposed password exposes every session).
  const credBox = f.querySelector("#act-creds");
  let shownFor = "";
  const showCredentials = async () => {
    const u = userId(f.querySelector("#act-user").value);
    if (!u || u === shownFor || !s.users.get(u)) return;
    shownFor = u;
    try {
      const r = await api(S() + "/users/" + encodeURIComponent(u) + "/credentials");
      const when = (us) => (Number(us) ? fmtDateTime(new Date(Number(us) / 1000)) : "—");
      clear(credBox).append(el("legend", {}, "Скомпрометированные ключи входа: " + r.user_name),
        r.credentials.length ? "" : el("p", {}, "У пользователя нет ключей входа."),
        ...r.credentials.map((c) => el("label", { class: "act-cred-row" },
          el("input", { type: "checkbox", name: "creds", class: "act-cred", value: c.credential_id, checked: !c.revoked || null }),
          ` ${c.kind === "session" ? credentialKind("sess-") : credentialKind("")}` + (c.label ? ` «${c.label}»` : "") +
          `, выдан ${when(c.issued_at_us)}` + (c.revoked ? ", отозван" : Number(c.not_after_us) ? `, действует до ${when(c.not_after_us)}` : "") +
          `; подписано записей: ${c.events}` + (c.events ? `, последняя ${when(c.last_event_at_us)}` : ""))));
    } catch (e) { failAt(credBox, e); }
  };
  f.querySelector("#act-user").addEventListener("change", showCredentials);
  f.querySelector("#act-user").addEventListener("input", showCredentials);
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const p = params();
      const r = await read(AuditListViewSchema, S() + "/acts:preview", { method: "POST", json: {
        affected_user_id: p.user, affected_credential_ids: p.creds, invalid_from_us: String(p.fromUs) } });
      const events = r.events || [];
      clear(out).append(el("h2", {}, `Акт сделает недействительными записей: ${events.length}`),
        el("ul", { id: "act-list" }, ...events.map((e) => el("li", {},
          auditLine(e) + (e.becauseOf ? " (опирается на недействительную запись)" : " (подписано скомпрометированным ключом)")))));
      checked = JSON.stringify(p, (k, v) => (typeof v === "bigint" ? String(v) : v));
      f.querySelector("#act-record").disabled = false;
    } catch (e) { failAt(f, e); }
  };
  f.querySelector("#act-record").onclick = async () => {
    const p = params();
    if (checked !== JSON.stringify(p, (k, v) => (typeof v === "bigint" ? String(v) : v))) {
      return failAt(f, new Error("Сначала выполните пробный прогон с этими данными"));
    }
    try {
      const today = parseDate(me.today);
      await submit({ case: "credentialCompromiseActRecorded", value: {
        actId: "act-" + uuid(), actNumber: p.number, actDate: today,
        commission: p.commission.map((u) => ({ userId: u })), affectedUserId: p.user,
        affectedCredentialIds: p.creds, invalidFromUs: p.fromUs, circumstances: p.reason } },
      { businessDate: today });
      f.querySelector("#act-record").disabled = true;
      status(`Акт № ${p.number} записан.`);
      out.append(el("p", { id: "act-recorded" }, `Акт № ${p.number} записан в журнал; ключи отозваны.`));
      await showAwaiting(awaiting);
    } catch (e) { failAt(f, e); }
  };
  const awaiting = el("section", { id: "awaiting" });
  m.append(f, out, awaiting);
  await showAwaiting(awaiting);
}
