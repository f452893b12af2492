// «Объявления» (R-MSG-2): the announcements and calendar events that reach the user, newest first,
// and for the administration and the class teachers the form to publish one to an audience (the
// school, a grade, a class with its parents, a class's parents, the staff). The text goes to the
// message store first, like a message's (messages.js uploadText).
import { el, clear, main, status, failAt, clearFail, byRu } from "../ui.js";
import { fmtDate, fmtDateTime, parseDate } from "../dates.js";
import { api, submit, me, has, S, uuid } from "../session.js";
import { goRendered } from "../router.js";
import { uploadText } from "./messages.js";

const hhmm = (min) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;

// One announcement as a card: its title, audience, author, time, event date and text.
export function announcementCard(a) {
  return el("article", { class: "announcement" + (a.withdrawn ? " withdrawn" : ""), "data-announcement": a.announcement_id },
    el("h3", {}, a.title || "Объявление"),
    el("p", { class: "muted" }, `${a.audience} · ${a.author_name} · ${fmtDateTime(new Date(Number(a.at_us) / 1000)).slice(0, 17)}`),
    a.event_date ? el("p", { class: "event-date" }, "Когда: " + fmtDate(parseDate(a.event_date), false, true) +
      (a.event_start_minutes ? ", " + hhmm(a.event_start_minutes) : "")) : "",
    a.withdrawn ? el("p", { class: "error-text" }, "Снято: " + (a.withdrawn_reason || "")) : "",
    el("p", { class: "text" }, a.erased ? "Текст удалён: срок его хранения истёк." : a.text));
}

// The latest announcements for a landing page (the diary, «Мой день»), or nothing.
export async function latestAnnouncements(n = 3) {
  const r = await api(S() + "/announcements").catch(() => ({ announcements: [] }));
  const list = (r.announcements || []).filter((a) => !a.withdrawn).slice(0, n);
  if (!list.length) return "";
  return el("section", { id: "latest-announcements", class: "panel", "aria-label": "Объявления" },
    el("h2", {}, el("a", { href: "#/news" }, "Объявления")), ...list.map(announcementCard));
}

export async function newsPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Объявления"));
  const r = await api(S() + "/announcements");
  const list = el("section", { id: "announcements" });
  if (!(r.announcements || []).length) list.append(el("p", { class: "muted" }, "Объявлений пока нет."));
  const admin = has("director") || has("deputy") || has("admin");
  for (const a of r.announcements || []) {
    const card = announcementCard(a);
    // Its author or the administration takes it back, with the reason (R-MSG-2).
    if (!a.withdrawn && (admin || a.author_id === me.user_id)) {
      const reason = el("input", { class: "withdraw-reason", size: 28, "aria-label": "Почему снять" });
      const f = el("form", { class: "row withdraw" }, el("label", {}, "Причина ", reason),
        el("button", { type: "submit", class: "secondary" }, "Снять объявление"));
      f.onsubmit = async (ev) => {
        ev.preventDefault();
        clearFail(f);
        try {
          if (!reason.value.trim()) throw new Error("Укажите, почему объявление снято");
          await submit({ case: "announcementWithdrawn", value: { announcementId: a.announcement_id, reason: reason.value.trim() } });
          await goRendered("news", { r: Date.now() });
          status("Объявление снято.");
        } catch (e) { failAt(f, e); }
      };
      card.append(f);
    }
    list.append(card);
  }
  const own = me.class_teacher_of || [];
  if (admin || own.length) m.append(publishForm(admin, own));
  m.append(list);
}

function publishForm(admin, own) {
  const classes = admin ? [...new Map(me.loads.map((l) => [l.class_id, l.name])).entries()].sort(byRu((x) => x[1]))
    : own.map((c) => [c.class_id, c.name]);
  const kinds = admin
    ? [["school", "вся школа"], ["grade", "параллель"], ["class", "класс: ученики и родители"], ["parents", "класс: родители"], ["staff", "сотрудники"]]
    : [["parents", "родители класса"], ["class", "ученики и родители класса"]];
  const kind = el("select", { id: "ann-kind" }, ...kinds.map(([v, t]) => el("option", { value: v }, t)));
  const cls = el("select", { id: "ann-class" }, ...classes.map(([id, name]) => el("option", { value: id }, name)));
  const grade = el("input", { id: "ann-grade", type: "number", min: 1, max: 11, value: 5, size: 3 });
  const title = el("input", { id: "ann-title", required: true, maxlength: 200, size: 40 });
  const text = el("textarea", { id: "ann-text", rows: 4, cols: 50, required: true });
  const on = el("input", { id: "ann-date", type: "date" });
  const at = el("input", { id: "ann-time", type: "time" });
  const classLabel = el("label", {}, "Класс ", cls), gradeLabel = el("label", {}, "Параллель ", grade);
  const shown = () => {
    // style.display, not `hidden`: the row's label style would override the attribute.
    classLabel.style.display = ["class", "parents"].includes(kind.value) ? "" : "none";
    gradeLabel.style.display = kind.value === "grade" ? "" : "none";
  };
  kind.onchange = shown;
  shown();
  const f = el("form", { id: "announce", class: "panel" }, el("h2", {}, "Новое объявление"),
    el("div", { class: "row" }, el("label", {}, "Кому ", kind), classLabel, gradeLabel),
    el("label", { class: "block" }, "Заголовок ", title), el("label", { class: "block" }, "Текст ", text),
    el("div", { class: "row" }, el("label", {}, "Событие в календаре: дата ", on), el("label", {}, "время ", at)),
    el("button", { type: "submit", id: "ann-send" }, "Опубликовать"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const kindNo = { school: 1, grade: 2, class: 3, parents: 4, staff: 5 }[kind.value];
      const audience = { kind: kindNo, grade: kind.value === "grade" ? parseInt(grade.value, 10) : 0,
        classId: ["class", "parents"].includes(kind.value) ? cls.value : "" };
      const content = await uploadText(title.value.trim(), text.value);
      const [h, mi] = (at.value || "00:00").split(":").map(Number);
      await submit({ case: "announcementPublished", value: { announcementId: uuid(), audience, content,
        eventDate: on.value ? parseDate(on.value) : undefined, eventStartMinutes: on.value && at.value ? h * 60 + mi : 0 } },
      { businessDate: parseDate(me.today) });
      await goRendered("news", { r: Date.now() });
      status("Объявление опубликовано.");
    } catch (e) { failAt(f, e); }
  };
  return f;
}

// The journal's alerts (R-MSG-3) about a student (`{student}`) or the reader's class (`{}`), as a
// section, or nothing when there are none.
export async function alertsBox(query = {}) {
  const r = await api(S() + "/alerts?" + new URLSearchParams(query)).catch(() => ({ alerts: [] }));
  const list = r.alerts || [];
  if (!list.length) return "";
  const many = new Set(list.map((a) => a.student_id)).size > 1;
  return el("section", { id: "alerts", class: "panel", "aria-label": "Внимание" },
    el("h2", {}, "Внимание"),
    el("ul", {}, ...list.map((a) => el("li", { class: "alert " + a.kind, "data-kind": a.kind },
      (many ? `${a.student_name} (${a.class_name}): ` : "") + a.text))));
}
