// The deputy's correction queue (R-COR-3): each request with what the cell shows now beside what is
// proposed, and the cell's history with its values; approve, or reject with a reason.
import { PendingCorrectionsViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { CellHistoryViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, failAt, main } from "../ui.js";
import { fmtDate, fmtDateTime } from "../dates.js";
import { api, read, submit, S } from "../session.js";
import { showHistory, recordText, requestText } from "../widgets.js";

// What a request corrects (PendingCorrectionView.target).
const TARGETS = { mark: "отметка", attendance: "посещаемость", lesson: "запись урока",
  homework: "домашнее задание", term: "отметка за период", exam: "отметка аттестации" };
export async function correctionsPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Запросы на исправление"));
  const q = await read(PendingCorrectionsViewSchema, S() + "/corrections");
  const list = el("div", { class: "cards" });
  for (const r of q.requests || []) {
    // The proposed record: CorrectionRequested's oneof `proposal`.
    const p = (r.proposal && r.proposal.proposal) || {};
    const mk = p.case === "mark" ? p.value : undefined;  // a mark's proposal names its student
    // Names where the queue has them (PendingCorrectionView), the ids otherwise.
    const where = [r.studentId ? "ученик " + (r.studentName || r.studentId) : "",
      r.classId ? "класс " + (r.className || r.classId) : "", r.subjectId ? (r.subjectName || r.subjectId) : ""]
      .filter((x) => x).join(", ");
    const now = el("dd", { class: "current-value" }, "…");
    const card = el("article", { class: "card", "data-request": r.requestId },
      el("h2", {}, `${r.requesterName || r.requesterId}: ${TARGETS[r.target] || r.target}` +
        (r.originalSequence ? "" : " (внесение после срока)")),
      where ? el("p", { class: "correction-cell" }, where) : "",
      el("dl", { class: "compare" }, el("div", {}, el("dt", {}, "Сейчас"), now),
        el("div", {}, el("dt", {}, "Предлагается"), el("dd", { class: "proposed-value" }, requestText(r.proposal).text))),
      el("p", {}, "Причина: " + r.reason),
      el("p", { class: "muted" }, "Урок " + fmtDate(r.businessDate) + "; заявка подана " +
        fmtDateTime(new Date(Number(r.requestedAtUnixUs) / 1000))));
    currentText(r).then((t) => { now.textContent = t; }, () => { now.textContent = "не удалось прочитать"; });
    const hist = el("div", { class: "history" });
    const student = r.studentId || (mk ? mk.studentId : p.case === "attendance" ? p.value.studentId : undefined);
    const comment = el("input", { class: "decision-reason", "aria-label": "Комментарий или причина отказа", size: 30 });
    const decide = async (approve) => {
      try {
        if (approve) await submit({ case: "correctionApproved", value: { requestId: r.requestId,
          comment: comment.value } }, { businessDate: r.businessDate });
        else {
          if (!comment.value) throw Object.assign(new Error("Укажите причину отказа"), { rule: "R-COR-3" });
          await submit({ case: "correctionRejected", value: { requestId: r.requestId,
            reason: comment.value } }, { businessDate: r.businessDate });
        }
        await correctionsPage(); status(approve ? "Исправление одобрено." : "Исправление отклонено.");
      } catch (e) { failAt(card, e); }
    };
    card.append(el("div", { class: "row" },
      student ? el("button", { type: "button", class: "secondary", onclick: async () => {
        try { showHistory(hist, await read(CellHistoryViewSchema, S() + "/lessons/" + r.lessonId + "/students/" + student + "/history")); }
        catch (e) { fail(e); } } }, "История ячейки") : "",
      el("label", {}, "Комментарий ", comment),
      el("button", { type: "button", class: "approve", onclick: () => decide(true) }, "Одобрить"),
      el("button", { type: "button", class: "reject secondary", onclick: () => decide(false) }, "Отклонить")),
    hist);
    list.append(card);
  }
  if (!(q.requests || []).length) list.append(el("p", {}, "Очередь пуста."));
  m.append(list);
}

// What the cell shows now, in words (R-COR-3): the record the request names as its original (a
// record, or the proposal of an earlier correction that took effect), read from the ledger; a late
// entry has none.
async function currentText(r) {
  if (!r.originalSequence) return "пусто: запись вносится впервые";
  const e = await api("/api/v1/ledger/entries/" + r.originalSequence);
  const [kind] = ["mark_recorded", "attendance_recorded", "lesson_conducted", "homework_assigned", "correction_requested"]
    .filter((k) => k in (e.body || {}));
  if (!kind) return "";
  if (kind !== "correction_requested") return recordText(kind, e.body[kind]).text;
  const c = e.body[kind];
  const [inner] = ["mark", "attendance", "lesson", "homework", "remove"].filter((k) => k in c);
  return inner ? recordText(inner, c[inner]).text + " (после исправления)" : "";
}
