// «Сообщения» (R-MSG-1), for every role: the conversations with their unread counts and a search,
// a conversation with its read receipts and the reply form, and a new message to the people the
// user may write to (GET .../recipients: a family at a time). A text goes to the node's message
// store first (POST .../message-texts, with a random salt so that its hash cannot be guessed); the
// signed MessageSent carries its hash and size, never the text. Texts are shown as text, never as
// HTML.
import { el, clear, main, status, failAt, clearFail } from "../ui.js";
import { fmtDateTime } from "../dates.js";
import { api, submit, me, S, uuid } from "../session.js";
import { go, goRendered, showUnread } from "../router.js";

const hexBytes = (hex) => new Uint8Array(hex.match(/../g).map((h) => parseInt(h, 16)));
const when = (us) => fmtDateTime(new Date(Number(us) / 1000)).slice(0, 17);

// The media types the node accepts (api/attachment_store.h), for files the browser gives no type.
const TYPES = { pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif",
  txt: "text/plain", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  odt: "application/vnd.oasis.opendocument.text" };

// Uploads a text blob {"salt", "subject", "text"}; its DocumentRef.
export async function uploadText(subject, text) {
  const salt = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const blob = JSON.stringify({ salt, subject, text });
  const r = await api(S() + "/message-texts", { method: "POST", body: blob, type: "application/json" });
  return { sha256: hexBytes(r.sha256), mediaType: "text/plain", sizeBytes: BigInt(r.size_bytes) };
}

async function uploadFiles(input) {
  const out = [];
  for (const file of input.files) {
    const type = TYPES[(file.name.split(".").pop() || "").toLowerCase()] || file.type || "application/octet-stream";
    let r;
    try {
      r = await api(S() + "/message-files", { method: "POST", body: file, type });
    } catch (e) {
      throw Object.assign(new Error(`Файл «${file.name}»: ${e.message}`), { code: e.code, rule: e.rule });
    }
    out.push({ title: file.name, sha256: hexBytes(r.sha256), fileName: file.name, mediaType: type, sizeBytes: BigInt(r.size_bytes) });
  }
  return out;
}

export async function messagesPage(params) {
  const m = clear(main());
  if (params.get("c")) return conversation(m, params.get("c"));
  m.append(el("h1", {}, "Сообщения"));
  const q = params.get("q") || "";
  const search = el("input", { id: "msg-search", type: "search", value: q, placeholder: "текст или имя", "aria-label": "Поиск" });
  m.append(el("form", { class: "row", id: "msg-search-form", onsubmit: (e) => { e.preventDefault(); go("messages", search.value ? { q: search.value } : {}); } },
    el("label", {}, "Поиск ", search), el("button", { type: "submit", class: "secondary" }, "Найти")));
  const about = params.get("about") || "";
  const [list, people] = await Promise.all([api(S() + "/conversations" + (q ? "?q=" + encodeURIComponent(q) : "")),
    api(S() + "/recipients" + (about ? "?about=" + encodeURIComponent(about) : ""))]);
  if (!q) showUnread(list.unread || 0);
  const box = el("section", { id: "conversations", "aria-label": "Переписки" });
  if (!list.conversations.length) box.append(el("p", { class: "muted" }, q ? "Ничего не найдено." : "Сообщений пока нет."));
  for (const c of list.conversations) {
    const who = c.participants.map((p) => p.name).join(", ");
    box.append(el("a", { class: "conversation" + (c.unread ? " unread" : ""), href: "#/messages?c=" + encodeURIComponent(c.conversation_id),
      "data-conversation": c.conversation_id },
    el("span", { class: "who" }, who), c.unread ? el("span", { class: "badge", title: "Непрочитанных" }, String(c.unread)) : "",
    el("span", { class: "subject" }, c.subject || "Без темы"),
    el("span", { class: "muted" }, `${c.last_author}, ${when(c.last_at_us)}: ` + (c.last_erased ? "текст удалён по сроку хранения" : c.last_text))));
  }
  const form = compose(people.recipients || [], params.get("subject") || "");
  // About a student (from the journal's cell, R-MSG-3): the form first, with their parents and
  // class teacher chosen.
  if (about) m.insertBefore(form, m.querySelector("#msg-search-form")); else m.append(box, form);
  if (about) m.append(box);
}

// A new conversation: the recipients (staff, or the members of one family), a subject, the text
// and files.
function compose(people, subjectText) {
  const to = el("select", { id: "msg-to", multiple: true, size: Math.min(8, Math.max(3, people.length)), "aria-label": "Кому" },
    ...people.map((p) => el("option", { value: p.user_id, "data-family": p.family || "", selected: !!p.about }, `${p.name} — ${p.role}`)));
  const subject = el("input", { id: "msg-subject", maxlength: 200, size: 40, value: subjectText });
  const text = el("textarea", { id: "msg-text", rows: 5, cols: 50, required: true, maxlength: 20000 });
  const files = el("input", { id: "msg-files", type: "file", multiple: true });
  const f = el("form", { id: "compose", class: "panel" }, el("h2", {}, "Новое сообщение"),
    people.length ? "" : el("p", { class: "muted" }, "Писать пока некому."),
    el("label", { class: "block" }, "Кому (несколько — с Ctrl) ", to),
    el("p", { class: "muted" }, "В одной переписке — сотрудники и одна семья: родители и ученик. Всем родителям класса — объявлением."),
    el("label", { class: "block" }, "Тема ", subject), el("label", { class: "block" }, "Текст ", text),
    el("label", { class: "block" }, "Файлы ", files), el("button", { type: "submit", id: "msg-send" }, "Отправить"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      const ids = [...to.selectedOptions].map((o) => o.value);
      if (!ids.length) throw new Error("Выберите, кому сообщение");
      if (!text.value.trim()) throw new Error("Напишите текст сообщения");
      const content = await uploadText(subject.value.trim(), text.value);
      const attachments = await uploadFiles(files);
      const id = uuid();
      await submit({ case: "messageSent", value: { messageId: uuid(), conversationId: id, recipientIds: ids, content, attachments } },
        { businessDate: todayMsg() });
      await goRendered("messages", { c: id });
      status("Сообщение отправлено.");
    } catch (e) { failAt(f, e); }
  };
  return f;
}

const todayMsg = () => { const [y, mo, d] = me.today.split("-").map(Number); return { year: y, month: mo, day: d }; };

// One conversation: its people, its messages (who read each of the user's own), the reply form;
// opening it records that the user has read it (MessagesRead).
async function conversation(m, id) {
  const c = await api(S() + "/conversations/" + encodeURIComponent(id));
  const others = c.participants.filter((p) => p.user_id !== me.user_id);
  m.append(el("p", {}, el("a", { href: "#/messages" }, "← Все сообщения")),
    el("h1", {}, (c.messages[0] && c.messages[0].subject) || "Переписка"),
    el("p", { class: "muted", id: "participants" }, "Участники: " + others.map((p) => `${p.name} (${p.role})`).join(", ")));
  const list = el("section", { id: "messages", "aria-label": "Сообщения" });
  for (const x of c.messages) {
    const own = x.author_id === me.user_id;
    const readBy = x.read_by || [];
    list.append(el("article", { class: "message" + (own ? " own" : ""), "data-message": x.message_id },
      el("div", { class: "message-head" }, el("b", {}, own ? "Вы" : x.author_name), el("span", { class: "muted" }, " · " + when(x.at_us))),
      x.erased ? el("p", { class: "muted" }, "Текст удалён: срок его хранения истёк.")
        : el("p", { class: "text" }, x.text),
      ...(x.attachments || []).map((a) => el("a", { class: "message-file", download: a.file_name,
        href: S() + "/conversations/" + encodeURIComponent(id) + "/files/" + a.sha256 }, `Файл: ${a.file_name} (${Math.max(1, Math.round(a.size_bytes / 1024))} КБ)`)),
      x.invalid ? el("p", { class: "error-text" }, "Отправлено с украденного входа: недействительно по акту (R-SEC-3).") : "",
      own ? el("p", { class: "muted read-receipt" }, readBy.length
        ? "Прочитано: " + readBy.map((r) => `${r.name}, ${when(r.at_us)}`).join("; ") : "Не прочитано") : ""));
  }
  const text = el("textarea", { id: "reply-text", rows: 4, cols: 50, required: true, "aria-label": "Ответ" });
  const files = el("input", { id: "reply-files", type: "file", multiple: true, "aria-label": "Файлы" });
  const f = el("form", { id: "reply", class: "panel" }, el("h2", {}, "Ответить"), text,
    el("label", { class: "block" }, "Файлы ", files), el("button", { type: "submit", id: "reply-send" }, "Отправить"));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(f);
    try {
      if (!text.value.trim()) throw new Error("Напишите текст ответа");
      const content = await uploadText("", text.value);
      const attachments = await uploadFiles(files);
      await submit({ case: "messageSent", value: { messageId: uuid(), conversationId: id, content, attachments } },
        { businessDate: todayMsg() });
      await goRendered("messages", { c: id, r: Date.now() });
      status("Ответ отправлен.");
    } catch (e) { failAt(f, e); }
  };
  m.append(list, f);
  // The read receipt: up to the latest message, when something here is new to the user.
  if (c.unread > 0) {
    const last = c.messages[c.messages.length - 1];
    try {
      await submit({ case: "messagesRead", value: { conversationId: id, messageId: last.message_id } }, { businessDate: todayMsg() });
      showUnread(Math.max(0, (me.unread_messages || 0) - c.unread));
    } catch (e) { failAt(f, e); }
  }
}
