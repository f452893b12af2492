// The deputy's correction queue (R-COR-3): each request with the cell's history; approve, or
// reject with a reason.
import { PendingCorrectionsViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { CellHistoryViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, fail, main, workName } from "../ui.js";
import { fmtDate } from "../dates.js";
import { read, submit, S } from "../session.js";
import { showHistory } from "../widgets.js";

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
    const mk = p.case === "mark" ? p.value : undefined;
    // Names where the queue has them (PendingCorrectionView), the ids otherwise.
    const where = [r.studentId ? "ученик " + (r.studentName || r.studentId) : "",
      r.classId ? "класс " + (r.className || r.classId) : "", r.subjectId ? (r.subjectName || r.subjectId) : ""]
      .filter((x) => x).join(", ");
    const card = el("article", { class: "card", "data-request": r.requestId },
      el("h2", {}, `${r.requesterName || r.requesterId}: ${TARGETS[r.target] || r.target}`),
      where ? el("p", { class: "correction-cell" }, where) : "",
      el("p", {}, "Причина: " + r.reason),
      mk ? el("p", {}, `Предлагается: ${mk.value.value}${mk.value.secondValue ? "/" + mk.value.secondValue : ""} ` +
        `(${workName(mk.workType)})`) : "",
      el("p", { class: "muted" }, "Дата урока: " + fmtDate(r.businessDate) + ", запрос №" + r.sequence));
    const hist = el("div", { class: "history" });
    const student = r.studentId || (mk ? mk.studentId : p.case === "attendance" ? p.value.studentId : undefined);
    const comment = el("input", { class: "decision-reason", "aria-label": "Комментарий или причина отказа", size: 30 });
    const decide = async (approve) => {
      try {
        if (approve) await submit({ case: "correctionApproved", value: { requestId: r.requestId,
          comment: comment.value } }, { businessDate: r.businessDate });
        else {
          if (!comment.value) throw new Error("Укажите причину отказа");
          await submit({ case: "correctionRejected", value: { requestId: r.requestId,
            reason: comment.value } }, { businessDate: r.businessDate });
        }
        await correctionsPage(); status(approve ? "Исправление одобрено." : "Исправление отклонено.");
      } catch (e) { fail(e); }
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
