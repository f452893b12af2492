// The deputy's correction queue (R-COR-3): each request with the cell's history; approve, or
// reject with a reason.
import { el, clear, status, fail, main, workName } from "../ui.js";
import { fmtDate } from "../dates.js";
import { api, submit, S } from "../session.js";
import { showHistory } from "../widgets.js";

// What a request corrects (PendingCorrectionView.target).
const TARGETS = { mark: "отметка", attendance: "посещаемость", lesson: "запись урока",
  homework: "домашнее задание", term: "отметка за период", exam: "отметка аттестации" };
export async function correctionsPage() {
  const m = clear(main());
  m.append(el("h1", {}, "Запросы на исправление"));
  const q = await api(S() + "/corrections");
  const list = el("div", { class: "cards" });
  for (const r of q.requests || []) {
    const p = r.proposal || {};
    const mk = p.mark;
    // Names where the queue has them (PendingCorrectionView), the ids otherwise.
    const where = [r.student_id ? "ученик " + (r.student_name || r.student_id) : "",
      r.class_id ? "класс " + (r.class_name || r.class_id) : "", r.subject_id ? (r.subject_name || r.subject_id) : ""]
      .filter((x) => x).join(", ");
    const card = el("article", { class: "card", "data-request": r.request_id },
      el("h2", {}, `${r.requester_name || r.requester_id}: ${TARGETS[r.target] || r.target}`),
      where ? el("p", { class: "correction-cell" }, where) : "",
      el("p", {}, "Причина: " + r.reason),
      mk ? el("p", {}, `Предлагается: ${mk.value.value}${mk.value.second_value ? "/" + mk.value.second_value : ""} ` +
        `(${workName(mk.work_type)})`) : "",
      el("p", { class: "muted" }, "Дата урока: " + fmtDate(r.business_date) + ", запрос №" + r.sequence));
    const hist = el("div", { class: "history" });
    const student = r.student_id || (mk ? mk.student_id : (p.attendance || {}).student_id);
    const comment = el("input", { class: "decision-reason", "aria-label": "Комментарий или причина отказа", size: 30 });
    const decide = async (approve) => {
      try {
        if (approve) await submit({ case: "correctionApproved", value: { requestId: r.request_id,
          comment: comment.value } }, { businessDate: r.business_date });
        else {
          if (!comment.value) throw new Error("Укажите причину отказа");
          await submit({ case: "correctionRejected", value: { requestId: r.request_id,
            reason: comment.value } }, { businessDate: r.business_date });
        }
        await correctionsPage(); status(approve ? "Исправление одобрено." : "Исправление отклонено.");
      } catch (e) { fail(e); }
    };
    card.append(el("div", { class: "row" },
      student ? el("button", { type: "button", class: "secondary", onclick: async () => {
        try { showHistory(hist, await api(S() + "/lessons/" + r.lesson_id + "/students/" + student + "/history")); }
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
