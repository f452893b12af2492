// The journal page's editors, in the panel below the grid: a cell (a mark, attendance, a
// correction request on an existing mark), a lesson (topic, kind, works, homework), a term mark
// (R-TERM-1). Each signs its event through submit() and calls `reload` to redraw the page. A
// record refused because its window has passed is offered, in the same form, as a request to the
// deputy (R-COR-1): no refusal is a dead end. Rows, lessons and cells are the JournalPageView's
// messages.
import { WorkType } from "gen/ejournal/v1/common_pb.js";
import { AttestationStatus } from "gen/ejournal/v1/journal_pb.js";
import { CellHistoryViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, status, failAt, clearFail, WORKS, workName, mean, termName, num } from "./ui.js";
import { fmtDate, isoOf } from "./dates.js";
import { api, read, submit, S, session, uuid } from "./session.js";
import { cellText } from "./grid.js";

// The substitution under which the signed-in teacher takes `lesson`, or "" (R-SUB-1).
export function substitutionOf(lesson) {
  const subs = lesson.substituteTeacherIds || [];
  const k = subs.indexOf(session.user_id);
  return k >= 0 ? (lesson.substitutionIds || [])[k] : "";
}

// The windows after which a record enters only as a request the deputy approves (R-COR-1): a
// mark (R-MARK-3), attendance (R-ATT-1), a lesson's record (R-LES-3), homework (R-HW-1).
const LATE_RULES = new Set(["R-MARK-3", "R-ATT-1", "R-LES-3", "R-HW-1"]);

// Shows refusal `e` at the end of `form`; when it is a window's refusal, offers in the same place
// the request that enters the same record late: the teacher gives the reason and sends it.
// `request(reason)` signs the CorrectionRequested; `done(text)` redraws the page and confirms.
function refuseOrOfferLate(form, e, request, done) {
  failAt(form, e);
  for (const old of form.querySelectorAll(":scope > .late-request")) old.remove();
  if (!LATE_RULES.has(e.rule)) return;
  const reason = el("input", { class: "late-reason", size: 36, required: true,
    "aria-label": "Причина позднего внесения" });
  const send = el("button", { type: "button", class: "late-send" }, "Отправить заявку завучу");
  const box = el("div", { class: "late-request row" },
    el("span", {}, "Срок прошёл, но запись можно внести заявкой: её утверждает завуч (R-COR-1)."),
    el("label", {}, "Причина ", reason), send);
  const go = async () => {
    if (!reason.value.trim()) { failAt(form, new Error("Укажите причину позднего внесения")); reason.focus(); return; }
    send.disabled = true;
    try {
      await request(reason.value.trim());
      await done("Заявка отправлена завучу. До его решения ячейка помечена «ждёт решения».");
    } catch (e2) { send.disabled = false; failAt(form, e2); }
  };
  send.onclick = go;
  reason.onkeydown = (ev) => { if (ev.key === "Enter") { ev.preventDefault(); go(); } };
  form.append(box);
  reason.focus();
}

// A CorrectionRequested of `target` (CorrectionTarget's oneof) proposing `proposal` (its oneof),
// where the cell shows the event `originalEventId` now ("" for an empty cell).
function requestBody(target, proposal, originalEventId, reason) {
  return { case: "correctionRequested", value: { requestId: "rq-" + uuid(), target: { target },
    originalEventId: originalEventId || "", reason, proposal } };
}

// The event id of the attendance record a cell shows (its history names it), or "".
async function attendanceEventId(lesson, row, cell) {
  if (!cell || !cell.attendanceSequence) return "";
  const h = await read(CellHistoryViewSchema, S() + "/lessons/" + lesson.lessonId + "/students/" + row.studentId + "/history");
  const e = (h.events || []).find((x) => String(x.sequence) === String(cell.attendanceSequence));
  return e ? e.eventId : "";
}

// Weights a teacher may give a mark (MarkRecorded.weight_percent); 0 keeps the school's weight for
// the work type (R-MARK-2).
const WEIGHTS = [[0, "по виду работы"], [50, "0,5"], [100, "1"], [150, "1,5"], [200, "2"], [300, "3"]];

function workSelect(id, value) {
  return el("select", { id, name: "work" }, ...WORKS.map(([v, name]) =>
    el("option", { value: v, selected: v === value }, name)));
}

export function cellEditor(box, row, lesson, cell, button, pre = {}, reload, pending = []) {
  document.querySelectorAll("td.cell button[aria-pressed]").forEach((x) => x.removeAttribute("aria-pressed"));
  button.setAttribute("aria-pressed", "true");
  box.hidden = false;
  clear(box);
  const sub = substitutionOf(lesson);
  const extra = { businessDate: lesson.date, substitutionId: sub };
  const focusBack = button.id;
  const done = async (msg) => { await reload(focusBack); status(msg); };
  box.append(el("h2", {}, `${row.studentName || row.studentId} — ${fmtDate(lesson.date)}` + (sub ? " (замена)" : "")));
  for (const mk of (cell && cell.marks) || []) {
    box.append(el("p", { class: "mark-line" }, "Отметка ", el("b", {}, cellText({ marks: [mk] })), " — " +
      workName(mk.workType) + (mk.weightPercent && mk.weightPercent !== 100 ? ", вес " + num(mk.weightPercent / 100, 1) : "") +
      (mk.comment ? `, «${mk.comment}»` : "") + (mk.corrected ? " (исправлена)" : "")));
  }
  for (const p of pending) box.append(el("p", { class: "pending-line" }, "Ждёт решения завуча: " + p.text));
  // R-MSG-3: the teacher tells the class teacher and the parents about the student, by a message.
  box.append(el("p", {}, el("a", { id: "tell-family", href: "#/messages?" + new URLSearchParams({ about: row.studentId,
    subject: "Урок " + fmtDate(lesson.date) }) }, "Сообщить родителям и классному руководителю")));
  // A new mark: value (two-part "5/4" in two fields), work type, weight, comment (R-MARK-1, R-MARK-2).
  const value = el("input", { id: "mark-value", name: "value", inputmode: "numeric",
    size: 2, required: true, value: pre.value || "", "aria-label": "Отметка 1–5" });
  const second = el("input", { id: "mark-second", name: "second", inputmode: "numeric",
    size: 2, "aria-label": "Вторая часть отметки (дробь)" });
  const works = (lesson.works || []);
  const weight = el("select", { id: "mark-weight", "aria-label": "Вес отметки" },
    ...WEIGHTS.map(([v, t]) => el("option", { value: v }, t)));
  const comment = el("input", { id: "mark-comment", size: 24, "aria-label": "Комментарий к отметке" });
  const form = el("form", { id: "mark-form" }, el("div", { class: "row" },
    el("label", {}, "Отметка ", value), el("label", {}, "Дробь ", second),
    el("label", {}, "Вид работы ", workSelect("mark-work", works.length ? (WORKS.find((w) => w[2] === works[works.length - 1]) || WORKS[0])[0] : "WORK_TYPE_ANSWER_IN_CLASS")),
    el("label", {}, "Вес ", weight), el("label", {}, "Комментарий ", comment),
    el("button", { type: "submit", id: "mark-submit" }, "Поставить")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(form);
    const mark = { markId: "m-" + uuid(), lessonId: lesson.lessonId, studentId: row.studentId,
      value: { value: parseInt(value.value, 10), secondValue: parseInt(second.value || "0", 10) },
      workType: WORKS.find((w) => w[0] === form.work.value)[2], weightPercent: parseInt(weight.value, 10),
      comment: comment.value.trim() };
    try {
      await submit({ case: "markRecorded", value: mark }, extra);
      await done("Отметка записана.");
    } catch (e) {
      refuseOrOfferLate(form, e, (reason) => submit(requestBody({ case: "markId", value: mark.markId },
        { case: "mark", value: mark }, "", reason), extra), done);
    }
  };
  // Attendance (R-ATT-1).
  const minutes = el("input", { id: "late-minutes", inputmode: "numeric", size: 3, value: "5",
    "aria-label": "Минут опоздания" });
  const attRow = el("div", { id: "attendance-form" });
  const att = async (late) => {
    clearFail(attRow);
    const record = { lessonId: lesson.lessonId, studentId: row.studentId, status: late ? 2 : 1,
      minutesLate: late ? parseInt(minutes.value || "0", 10) : 0 };
    try {
      await submit({ case: "attendanceRecorded", value: record }, extra);
      await done(late ? "Опоздание записано." : "Отсутствие записано.");
    } catch (e) {
      refuseOrOfferLate(attRow, e, async (reason) => submit(requestBody(
        { case: "attendance", value: { lessonId: lesson.lessonId, studentId: row.studentId } },
        { case: "attendance", value: record }, await attendanceEventId(lesson, row, cell), reason), extra), done);
    }
  };
  attRow.append(el("div", { class: "row" },
    el("button", { type: "button", id: "absent", onclick: () => att(false) }, "Отсутствовал (н)"),
    el("label", {}, "Опоздание, мин ", minutes),
    el("button", { type: "button", id: "late", onclick: () => att(true) }, "Опоздал")));
  box.append(form, attRow);
  // A correction request per existing mark (R-COR-1). A cell may hold several marks (an answer
  // and a control work on one day), so each form names its mark in `data-mark`; no ids, which
  // would repeat.
  for (const mk of (cell && cell.marks) || []) {
    const nv = el("input", { class: "corr-value", inputmode: "numeric", size: 2, required: true,
      "aria-label": "Новое значение" });
    const reason = el("input", { class: "corr-reason", required: true, size: 30, "aria-label": "Причина" });
    const cf = el("form", { class: "corr-form", "data-mark": mk.markId }, el("h2", {},
      "Запрос на исправление отметки " + cellText({ marks: [mk] }) + " — " + workName(mk.workType)),
      el("div", { class: "row" }, el("label", {}, "Новая отметка ", nv),
        el("label", {}, "Причина ", reason),
        el("button", { type: "submit" }, "Запросить исправление")));
    cf.onsubmit = async (ev) => {
      ev.preventDefault();
      clearFail(cf);
      try {
        const h = await read(CellHistoryViewSchema, S() + "/lessons/" + lesson.lessonId + "/students/" + row.studentId + "/history");
        const ev0 = (h.events || []).find((e) => String(e.sequence) === String(mk.sequence));
        if (!ev0) throw new Error("Отметка изменилась, пока была открыта ячейка: обновите страницу");
        await submit(requestBody({ case: "markId", value: mk.markId }, { case: "mark", value: {
          markId: mk.markId, lessonId: lesson.lessonId, studentId: row.studentId,
          value: { value: parseInt(nv.value, 10) }, workType: mk.workType || WorkType.ANSWER_IN_CLASS,
          // The weight the mark counts with now (MarkView's is the effective one), and its comment.
          weightPercent: mk.weightPercent || 0, comment: mk.comment || "" } },
        ev0.eventId, reason.value), extra);
        await done("Запрос на исправление отправлен завучу.");
      } catch (e) { failAt(cf, e); }
    };
    box.append(cf);
  }
  if (pre.absent) att(false);
  else (pre.value ? form.querySelector("#mark-submit") : value).focus();
}

// Lesson kinds a teacher records (R-LES-2; home schooling is recorded on the student's own pages).
const KINDS = [[1, "урок"], [3, "дистанционное обучение"], [2, "внеурочное занятие"]];

export function lessonEditor(box, lesson, reload, students = []) {
  box.hidden = false;
  clear(box);
  const sub = substitutionOf(lesson);
  const extra = { businessDate: lesson.date, substitutionId: sub };
  const done = async (msg) => { await reload(); status(msg); };
  const topic = el("input", { id: "topic", size: 40, required: true,
    value: lesson.topic || lesson.plannedTopic || "", "aria-label": "Тема урока" });
  const kind = el("select", { id: "lesson-kind", "aria-label": "Вид урока" },
    ...KINDS.map(([v, t]) => el("option", { value: v, selected: (lesson.kind || 1) === v }, t)));
  const order = el("input", { id: "lesson-order", size: 24, value: lesson.orderNumber || "",
    placeholder: "Приказ № 45 от 10.02.2025", "aria-label": "Приказ (номер и дата)" });
  const heldOn = el("input", { id: "lesson-held-on", type: "date", value: isoOf(lesson.date), "aria-label": "Дата проведения" });
  const form = el("input", { id: "lesson-form-kind", size: 16, placeholder: "консультация", "aria-label": "Форма проведения" });
  const orderRow = el("label", { class: "kind-extra" }, "Приказ ", order);
  const heldRow = el("span", { class: "kind-extra" }, el("label", {}, "Дата проведения ", heldOn), el("label", {}, " Форма ", form));
  const showKind = () => {
    orderRow.hidden = kind.value === "1";
    heldRow.hidden = kind.value !== "2";
  };
  kind.onchange = showKind;
  showKind();
  // The work done in the lesson (R-LES-3): its type and, for a thematic check of the whole class,
  // the mark every present student gets (R-MARK-5).
  const w0 = (lesson.works || [])[0];
  const work = el("select", { id: "lesson-work", "aria-label": "Вид работы на уроке" },
    el("option", { value: "" }, "—"), ...WORKS.map(([v, t, n]) => el("option", { value: n, selected: w0 === n }, t)));
  const workTitle = el("input", { id: "lesson-work-title", size: 30, placeholder: "Контрольная работа № 2 «Дроби»",
    "aria-label": "Название работы" });
  const whole = el("input", { id: "lesson-work-whole", type: "checkbox", "aria-label": "Проверка всего класса" });
  const safety = el("input", { id: "lesson-safety", type: "checkbox", "aria-label": "Инструктаж по технике безопасности" });
  const tf = el("form", { id: "topic-form" }, el("h2", {}, "Урок " + fmtDate(lesson.date) + (sub ? " (замена)" : "")),
    el("div", { class: "row" }, el("label", {}, "Тема ", topic), el("label", {}, "Вид ", kind), orderRow, heldRow),
    el("div", { class: "row" }, el("label", {}, "Работа ", work), el("label", {}, "Название ", workTitle),
      el("label", {}, whole, " у всех присутствовавших"), el("label", {}, safety, " проведён инструктаж по ТБ")),
    el("button", { type: "submit" }, "Записать урок"));
  tf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(tf);
    const k = parseInt(kind.value, 10);
    const record = { lessonId: lesson.lessonId, topic: topic.value.trim(), kind: k,
      orderNumber: k === 1 ? "" : order.value.trim(), safetyBriefing: safety.checked,
      works: work.value ? [{ workType: parseInt(work.value, 10), title: workTitle.value.trim(), wholeClass: whole.checked }] : [] };
    if (k === 2) {
      const [y, mo, d] = heldOn.value.split("-").map(Number);
      record.heldOn = { year: y, month: mo, day: d };
      record.form = form.value.trim();
    }
    try {
      await submit({ case: "lessonConducted", value: record }, extra);
      await done("Урок записан.");
    } catch (e) {
      refuseOrOfferLate(tf, e, (reason) => submit(requestBody({ case: "lessonId", value: lesson.lessonId },
        { case: "lesson", value: record }, lesson.recordEventId, reason), extra), done);
    }
  };
  // Homework (R-HW-1): for the class, or for named students (individual homework), with files
  // (uploaded to the node first; the signed event carries their hash, name, type and size).
  const hw = el("textarea", { id: "homework", rows: 2, cols: 40, "aria-label": "Домашнее задание" });
  const files = el("input", { id: "homework-files", type: "file", multiple: true, "aria-label": "Файлы к заданию" });
  const who = el("select", { id: "homework-students", multiple: true, size: Math.min(6, students.length + 1),
    "aria-label": "Только для учеников (пусто — для всего класса)" },
  ...students.map((r) => el("option", { value: r.studentId }, r.studentName || r.studentId)));
  const hf = el("form", { id: "homework-form" }, el("div", { class: "row" }, el("label", {}, "Домашнее задание ", hw),
    students.length ? el("label", {}, "Только для ", who) : "", el("label", {}, "Файлы ", files)),
  el("button", { type: "submit" }, "Задать"));
  hf.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(hf);
    const record = { homeworkId: "hw-" + uuid(), lessonId: lesson.lessonId, text: hw.value.trim(),
      studentIds: [...who.selectedOptions].map((o) => o.value), attachments: [] };
    try {
      if (!record.text && !files.files.length) throw new Error("Напишите задание или прикрепите файл");
      for (const f of files.files) record.attachments.push(await uploadFile(f));
      await submit({ case: "homeworkAssigned", value: record }, extra);
      await done("Домашнее задание записано.");
    } catch (e) {
      refuseOrOfferLate(hf, e, (reason) => submit(requestBody({ case: "homeworkId", value: record.homeworkId },
        { case: "homework", value: record }, "", reason), extra), done);
    }
  };
  const names = new Map(students.map((r) => [r.studentId, r.studentName || r.studentId]));
  box.append(tf, el("ul", { class: "muted homework-list" }, ...(lesson.homework || []).map((h) => el("li", {}, "ДЗ: " + h.text +
    ((h.studentIds || []).length ? " (для: " + h.studentIds.map((x) => names.get(x) || "ученика").join(", ") + ")" : ""),
  ...fileLinks(h)))), hf);
  topic.focus();
}

// The deputy's decision on attestation (R-TERM-1): a student who missed more than half of the
// period's lessons is not attested unless the deputy decides otherwise; the deputy may also decide
// that a student is not attested. Recorded with its grounds; the teacher then records the mark.
export function attestationEditor(box, row, sel, reload) {
  box.hidden = false;
  clear(box);
  const held = row.lessonsHeld || 0, missed = row.lessonsMissed || 0;
  box.append(el("h2", {}, `Решение об аттестации за ${termName(sel.term, sel.load && sel.load.term_kind, true)} — ${row.studentName || row.studentId}`),
    el("p", {}, `Пропущено уроков: ${missed} из ${held}; отметок: ${row.marksCount || 0}, нужно не меньше ${row.marksNeeded || 0}.` +
      (missed * 2 > held ? " Пропущено больше половины: без решения завуча — «н/а» (R-TERM-1)." : "")));
  const attest = el("select", { id: "attest-decision", "aria-label": "Решение" },
    el("option", { value: "1" }, "аттестовать (выставить отметку)"), el("option", { value: "0" }, "не аттестовать («н/а»)"));
  const reason = el("input", { id: "attest-reason", size: 40, required: true, "aria-label": "Основание",
    placeholder: "Пропуски по болезни, контрольные работы выполнены" });
  const form = el("form", { id: "attest-form" }, el("div", { class: "row" }, el("label", {}, "Решение ", attest),
    el("label", {}, "Основание ", reason), el("button", { type: "submit" }, "Записать решение")));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    clearFail(form);
    try {
      await submit({ case: "deputyAttestationDecided", value: { studentId: row.studentId, subjectId: sel.load.subject_id,
        period: { academicYearId: sel.load.year_id, kind: 1, termNumber: sel.term }, attest: attest.value === "1",
        reason: reason.value.trim() } });
      await reload("t-" + row.studentId);
      status("Решение об аттестации записано.");
    } catch (e) { failAt(form, e); }
  };
  box.append(form);
  reason.focus();
}

// The media types the node accepts (api/attachment_store.h), for files the browser gives no type.
const TYPES = { pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif",
  txt: "text/plain", doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text", ods: "application/vnd.oasis.opendocument.spreadsheet",
  odp: "application/vnd.oasis.opendocument.presentation" };

// Uploads `file` (a File) to the node's attachment store; its DocumentRef for the signed event.
async function uploadFile(file) {
  const type = TYPES[(file.name.split(".").pop() || "").toLowerCase()] || file.type || "application/octet-stream";
  let r;
  try {
    r = await api(S() + "/attachments", { method: "POST", body: file, type });
  } catch (e) {
    throw Object.assign(new Error(`Файл «${file.name}»: ${e.message}`), { code: e.code, rule: e.rule });
  }
  const sha256 = new Uint8Array(r.sha256.match(/../g).map((h) => parseInt(h, 16)));
  return { title: file.name, sha256, fileName: file.name, mediaType: type, sizeBytes: BigInt(r.size_bytes) };
}

// Links to a homework's files (HomeworkView.files), each downloaded by those who may read it.
export function fileLinks(h) {
  return (h.files || []).map((f) => {
    const hex = [...f.sha256].map((b) => b.toString(16).padStart(2, "0")).join("");
    const kb = Math.max(1, Math.round(Number(f.sizeBytes) / 1024));
    return el("a", { class: "homework-file", href: S() + "/homework/" + encodeURIComponent(h.homeworkId) + "/files/" + hex,
      download: f.fileName }, `Файл: ${f.fileName} (${kb} КБ)`);
  });
}

// The term mark (R-TERM-1): the subject's teacher records it once; it is not revised (R-COR-2).
const TERM_VALUES = [["5", "5"], ["4", "4"], ["3", "3"], ["2", "2"], ["1", "1"], ["exempt", "осв"], ["not_attested", "н/а"]];

export function termEditor(box, row, sel, reload) {
  box.hidden = false;
  clear(box);
  const count = row.marksCount || 0, needed = row.marksNeeded || 0;
  const held = row.lessonsHeld || 0, missed = row.lessonsMissed || 0;
  const tm = row.termMark;
  box.append(el("h2", {}, `Отметка за ${termName(sel.term, sel.load && sel.load.term_kind, true)} — ${row.studentName || row.studentId}`),
    el("p", { id: "term-suggested" }, "Предлагаемая отметка: ", el("b", {}, row.suggestedMark ? String(row.suggestedMark) : "нет"),
      row.weightedMeanX100 ? ` (средневзвешенный балл ${mean(row.weightedMeanX100)})` : ""),
    el("p", { id: "term-check", class: count < needed ? "error-text" : "" },
      `Отметок за период: ${count}, нужно не меньше ${needed} (R-TERM-1)` + (count < needed ? " — недостаточно для отметки за период." : " — достаточно.")),
    missed * 2 > held ? el("p", { class: "error-text" }, `Пропущено ${missed} из ${held} уроков — больше половины: «н/а», если завуч не решит иначе (R-TERM-1).`) : "");
  const shown = (m) => String(m.value || (m.status === AttestationStatus.EXEMPT ? "осв" : "н/а"));
  if (tm && (tm.value || tm.status)) {
    box.append(el("p", {}, "Отметка за период выставлена: ", el("b", {}, shown(tm)), " — не пересматривается (R-COR-2)."));
  } else {
    const form = markForm("term", "Отметка за период", row.suggestedMark, { kind: 1, termNumber: sel.term },
      "Отметка за период записана.");
    box.append(form);
    form.querySelector("select").focus();
  }
  // The year mark, on the page of the year's last period: suggested as the mean of the period
  // marks (R-TERM-1).
  const lastTerm = Math.max(...((sel.load && sel.load.terms && sel.load.terms.length) ? sel.load.terms : [sel.term]));
  if (sel.term !== lastTerm) return;
  const ym = row.yearMark;
  box.append(el("h2", {}, "Годовая отметка"), el("p", { id: "year-suggested" }, "Предлагаемая: ",
    el("b", {}, row.suggestedYearMark ? String(row.suggestedYearMark) : "нет"),
    row.periodMarksMeanX100 ? ` (среднее отметок за периоды ${mean(row.periodMarksMeanX100)})` : " — нет отметок за периоды"));
  if (ym && (ym.value || ym.status)) {
    box.append(el("p", {}, "Годовая отметка выставлена: ", el("b", {}, shown(ym)), " — не пересматривается (R-COR-2)."));
    return;
  }
  box.append(markForm("year", "Годовая отметка", row.suggestedYearMark, { kind: 2, termNumber: 0 }, "Годовая отметка записана."));

  // A form recording a TermMarkRecorded of `period` (PeriodRef without the year), offering
  // `suggested` first.
  function markForm(id, label, suggested, period, done) {
    const value = el("select", { id: `${id}-value`, "aria-label": label }, ...TERM_VALUES.map(([v, t]) =>
      el("option", { value: v, selected: v === String(suggested || "") }, t)));
    const form = el("form", { id: `${id}-form` }, el("div", { class: "row" }, el("label", {}, label + " ", value),
      el("button", { type: "submit", id: `${id}-submit` }, "Выставить")));
    form.onsubmit = async (ev) => {
      ev.preventDefault();
      clearFail(form);
      const v = value.value;
      const mark = /^[1-5]$/.test(v) ? { result: { case: "value", value: parseInt(v, 10) } }
        : { result: { case: "status", value: v === "exempt" ? 1 : 2 } };
      try {
        await submit({ case: "termMarkRecorded", value: { studentId: row.studentId, subjectId: sel.load.subject_id,
          period: { academicYearId: sel.load.year_id, ...period }, mark } });
        await reload("t-" + row.studentId);
        status(done);
      } catch (e) { failAt(form, e); }
    };
    return form;
  }
}
