// The credential-compromise Act (director, admin; R-SEC-2, R-SEC-3): the dry run lists what it
// would invalidate, and only then is the same Act recorded; below, the records awaiting re-entry
// by their author (R-SEC-4).
import { AuditListViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, main, typeName, actorText, byRu } from "../ui.js";
import { parseDate } from "../dates.js";
import { read, submit, S, session, me, uuid } from "../session.js";
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
    el("label", {}, "Скомпрометированные учётные данные (через запятую) ", el("input", { name: "creds", id: "act-creds", size: 40, required: true })),
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
    const creds = String(fd.get("creds") || "").split(",").map((s) => s.trim()).filter(Boolean);
    return { user: userId(String(fd.get("user"))), creds,
      fromUs: BigInt(new Date(String(fd.get("from"))).getTime()) * 1000n,
      number: String(fd.get("number")), reason: String(fd.get("reason") || ""),
      commission: String(fd.get("commission") || "").split(",").map((x) => x.trim()).filter(Boolean).map(userId) };
  };
  f.oninput = () => { checked = null; f.querySelector("#act-record").disabled = true; };
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const p = params();
      const r = await read(AuditListViewSchema, S() + "/acts:preview", { method: "POST", json: {
        affected_user_id: p.user, affected_credential_ids: p.creds, invalid_from_us: String(p.fromUs) } });
      const events = r.events || [];
      clear(out).append(el("h2", {}, `Акт сделает недействительными записей: ${events.length}`),
        el("ul", { id: "act-list" }, ...events.map((e) => el("li", {},
          `№${e.sequence} ${typeName(e.type)} — ${actorText(e.actorName)}` +
          (e.becauseOf ? ` (опирается на запись №${e.becauseOf})` : " (подписано скомпрометированным ключом)")))));
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
