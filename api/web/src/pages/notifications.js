// «Уведомления» (R-MSG-4, R-MSG-3): what the journal has told the user (new marks, absences,
// homework, corrections, announcements, messages, surveys, alerts), newest first, each a link to
// where to read it; opening the page marks them seen. Below, how they reach the user by e-mail:
// the address, the kinds, one mail at once or a daily digest, and the quiet hours (never at
// night in the school's time zone).
import { el, clear, main, status, failAt, clearFail } from "../ui.js";
import { fmtDateTime } from "../dates.js";
import { api, S } from "../session.js";
import { goRendered, showUnseen } from "../router.js";

export async function notificationsPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Уведомления"));
  const [feed, settings] = await Promise.all([api(S() + "/notifications?limit=100"), api(S() + "/notification-settings")]);
  const list = el("section", { id: "feed", "aria-label": "Уведомления" });
  if (!feed.items.length) list.append(el("p", { class: "muted" }, "Уведомлений пока нет."));
  const seenBefore = Number(feed.items.length ? feed.items[0].seq : 0) - feed.unseen;
  for (const n of feed.items) {
    list.append(el("a", { class: "notice " + n.kind + (feed.unseen && Number(n.seq) > seenBefore ? " unseen" : ""),
      href: n.link || "#/", "data-kind": n.kind },
    el("span", { class: "muted" }, fmtDateTime(new Date(Number(n.at_us) / 1000)).slice(0, 17) + " · " + n.kind_text), " ",
    el("span", { class: "text" }, n.text)));
  }
  m.append(list, settingsForm(settings));
  if (feed.items.length && feed.unseen) {
    await api(S() + "/notifications/seen", { method: "POST", json: { up_to: Number(feed.items[0].seq) } }).catch(() => {});
    showUnseen(0);
  }
}

function settingsForm(s) {
  const email = el("input", { id: "notify-email", type: "email", value: s.email || "", size: 32, autocomplete: "email" });
  const boxes = s.kinds.map((k) => el("label", { class: "block" },
    el("input", { type: "checkbox", name: "kind", value: k.kind, checked: s.email_kinds.includes(k.kind) }), " " + k.text));
  const digest = el("select", { id: "notify-digest" }, el("option", { value: "no" }, "сразу, одним письмом"),
    el("option", { value: "yes" }, "сводкой раз в день"));
  digest.value = s.digest ? "yes" : "no";
  const digestAt = el("input", { id: "notify-digest-at", type: "time", value: s.digest_at });
  const quietFrom = el("input", { id: "notify-quiet-from", type: "time", value: s.quiet_from });
  const quietTo = el("input", { id: "notify-quiet-to", type: "time", value: s.quiet_to });
  const atLabel = el("label", {}, "в ", digestAt);
  const shown = () => { atLabel.style.display = digest.value === "yes" ? "" : "none"; };
  digest.onchange = shown;
  shown();
  const f = el("form", { id: "notify-settings", class: "panel" }, el("h2", {}, "Письма на электронную почту"),
    s.mail_available ? "" : el("p", { class: "muted" }, "Почта на этом сервере ещё не настроена: уведомления приходят только сюда."),
    s.bounced ? el("p", { class: "error-text", id: "bounced" }, "Письма на этот адрес не доходят: почтовый сервер его не принимает. Проверьте адрес.") : "",
    el("label", { class: "block" }, "Адрес ", email),
    el("fieldset", {}, el("legend", {}, "Присылать письма о"), ...boxes),
    el("div", { class: "row" }, el("label", {}, "Как ", digest), atLabel),
    el("div", { class: "row" }, el("label", {}, "Тихие часы: с ", quietFrom), el("label", {}, "до ", quietTo)),
    el("p", { class: "muted" }, "В тихие часы письма не приходят (ночью — никогда); они придут утром."),
    el("button", { type: "submit", id: "notify-save" }, "Сохранить"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      await api(S() + "/notification-settings", { method: "POST", json: {
        email: email.value.trim(),
        email_kinds: [...f.querySelectorAll("input[name=kind]:checked")].map((b) => b.value),
        digest: digest.value === "yes", digest_at: digestAt.value, quiet_from: quietFrom.value, quiet_to: quietTo.value } });
      await goRendered("notifications", { r: Date.now() });
      status("Настройки сохранены.");
    } catch (e) { failAt(f, e); }
  };
  return f;
}
