// Events the server proposes (ejournal.v1.ProposedEvents: lessons from the timetable, an import's
// dry run) shown for a person to check, then signed by their own key and submitted. Nothing is
// submitted when a row is refused (`ok` false: the server sends no bodies then).
import { el, clear, status, fail, ruleText } from "./ui.js";
import { submitProposed, api, S } from "./session.js";

// The most rows the preview lists; the summary counts them all.
const kMaxRows = 300;

// Fills `box` with the proposal's summary and rows and a «Записать» button (when `ok`); after
// recording, POSTs the proposal's contacts (phones and e-mails stay on the node) and calls
// `recorded(text, ok)` with the result line. `describe(body)`, when given, says in Russian what
// a body records (an EventBody message), or "" to leave it out of the list of bodies. `names`
// (id → name), when given, puts names for the ids a row's text carries ("c06-1: выходной день").
export function showProposal(box, proposal, recorded, describe, names) {
  const named = (t) => (names ? t.replace(/[A-Za-z0-9][A-Za-z0-9._-]*/g, (id) => names.get(id) || id) : t);
  clear(box);
  box.hidden = false;
  const rows = proposal.rows || [];
  const refused = rows.filter((r) => r.refused);
  box.append(el("h2", {}, "Проверка"),
    el("p", { class: "proposal-summary" }, proposal.summary || ""),
    el("p", { class: proposal.ok ? "" : "error-text proposal-verdict" }, proposal.ok
      ? `Будет записано событий: ${(proposal.bodies || []).length}.`
      : `Отказано строк: ${refused.length}. Ничего не записано: исправьте файл и проверьте снова.`));
  if (rows.length) {
    // Refused rows first: they are what the person must fix.
    const shown = [...refused, ...rows.filter((r) => !r.refused)].slice(0, kMaxRows);
    box.append(el("div", { class: "scroll" }, el("table", { class: "proposal-rows" },
      el("thead", {}, el("tr", {}, el("th", {}, "Файл"), el("th", {}, "Строка"), el("th", {}, "Что будет"),
        el("th", {}, "Отказ (правило)"))),
      el("tbody", {}, ...shown.map((r) => el("tr", { class: r.refused ? "refused" : "" },
        el("td", {}, r.source || ""), el("td", {}, r.line ? String(r.line) : ""),
        el("td", { class: "text-left" }, r.refused ? "" : named(r.text)),
        el("td", { class: "text-left error-text" }, r.refused ? named(r.text) + (r.rule ? ` [${r.rule}]` : "") : "")))))),
    rows.length > shown.length ? el("p", { class: "muted" }, `Показаны ${shown.length} строк из ${rows.length}.`) : "");
  }
  const described = describe ? (proposal.bodies || []).map(describe).filter(Boolean) : [];
  if (described.length) {
    box.append(el("h2", {}, "Что будет записано"), el("ol", { class: "proposal-bodies" },
      ...described.slice(0, kMaxRows).map((t) => el("li", {}, t))),
    described.length > kMaxRows ? el("p", { class: "muted" }, `Показаны ${kMaxRows} из ${described.length}.`) : "");
  }
  if (!proposal.ok) return;
  if (!(proposal.bodies || []).length) {
    box.append(el("p", { class: "proposal-result" }, "Записывать нечего: всё уже записано."));
    return;
  }
  const result = el("p", { class: "proposal-result", role: "status" });
  const button = el("button", { type: "button", class: "proposal-record" }, "Записать");
  button.onclick = async () => {
    button.disabled = true;
    try {
      const res = await submitProposed(proposal.bodies, (done, total) => {
        result.textContent = `Записано ${done} из ${total}…`;
      });
      const errors = res.filter((r) => r.error);
      const dup = res.filter((r) => r.duplicate).length;
      let text = `Записано событий: ${res.length - errors.length}` + (dup ? ` (из них уже были: ${dup})` : "") + ".";
      if ((proposal.contacts || []).length && !errors.length) {
        const c = await api(S() + "/contacts", { method: "POST", json: { contacts: proposal.contacts.map((x) => ({
          user_id: x.userId, phone: x.phone, email: x.email })) } });
        text += ` Контакты сохранены на сервере школы: ${c.stored}.`;
      }
      if (errors.length) {
        text += ` Отказано: ${errors.length}. Первый отказ: ${ruleText(errors[0].error)}`;
        result.classList.add("error-text");
        status(text, true);
      } else {
        status(text);
      }
      result.textContent = text;
      if (recorded) await recorded(text, errors.length === 0);
    } catch (e) {
      button.disabled = false;
      result.textContent = "Отказ. " + ruleText(e);
      result.classList.add("error-text");
      fail(e);
    }
  };
  box.append(el("div", { class: "row" }, button, result));
}
