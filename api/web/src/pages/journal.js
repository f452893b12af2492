// The journal page (teacher, class teacher, deputy, director, methodist): the grid of a
// class-subject-term with its editors for those who may write it, and below it the lessons the
// teacher takes as a substitute (R-SUB-1).
import { JournalPageViewSchema } from "gen/ejournal/v1/views_pb.js";
import { PendingCorrectionsViewSchema } from "gen/ejournal/v1/reports_pb.js";
import { el, clear, main } from "../ui.js";
import { fmtDate, parseDate, isoOf } from "../dates.js";
import { read, me, has, S } from "../session.js";
import { pickLoad, loadPicker, loadLabel, journalPath, requestText } from "../widgets.js";
import { gridTable } from "../grid.js";
import { cellEditor, lessonEditor, termEditor, attestationEditor, substitutionOf } from "../editors.js";

export async function journalPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Журнал"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет доступных страниц журнала.")); return; }
  m.append(loadPicker("journal", sel));
  const [page, queue] = await Promise.all([read(JournalPageViewSchema, journalPath(sel.load, sel.term)),
    has("teacher") ? read(PendingCorrectionsViewSchema, S() + "/corrections") : null]);
  const pending = pendingByCell(queue);
  const editor = el("section", { id: "editor", class: "panel", "aria-label": "Ячейка", hidden: true });
  const reload = async (focusId) => {
    await journalPage(params);
    if (focusId) { const f = document.getElementById(focusId); if (f) f.focus(); }
  };
  // Editable: the teacher's own class-subject, or a page with a lesson they substitute (R-SUB-1).
  const own = sel.load.own || (page.lessons || []).some((l) => substitutionOf(l));
  const at = (s, l) => pending.get(s + "|" + l) || [];
  const grid = gridTable(page, {
    onCell: own ? (r, l, c, b, pre) => cellEditor(editor, r, l, c, b, pre, reload, at(r.studentId, l.lessonId)) : null,
    onLesson: own ? (l) => lessonEditor(editor, l, reload, page.rows || []) : null,
    // Term marks: the subject's teacher only, not a substitute; the deputy decides on attestation
    // (R-TERM-1).
    onTerm: sel.load.own ? (r) => termEditor(editor, r, sel, reload)
      : has("deputy") ? (r) => attestationEditor(editor, r, sel, reload) : null,
    pending: at,
  });
  m.append(el("p", { class: "muted" }, own ? "Стрелки — переход по ячейкам, цифра 1–5 — отметка, «н» — " +
    "отсутствие, Enter — открыть ячейку; дата урока — тема, работы и домашнее задание. В скобках — " +
    "заявка, которая ждёт решения завуча." : "Только чтение."), grid, editor);
  if (has("teacher")) m.append(substituteLessons());
  // The page opens on the lesson asked for («Мой день» links to it), else on the latest lesson held
  // (today's or the last before it), not on September.
  const held = (page.lessons || []).filter((l) => isoOf(l.date) <= me.today);
  const wanted = params.get("lesson") || (held.length ? held[held.length - 1].lessonId : "");
  const latest = wanted ? grid.querySelector(`th[data-lesson="${CSS.escape(wanted)}"]`) : null;
  if (latest && params.get("lesson")) latest.classList.add("asked");
  const scroller = grid.classList.contains("scroll") ? grid : grid.querySelector(".scroll");
  if (latest && scroller) scroller.scrollLeft = Math.max(0, latest.offsetLeft - scroller.clientWidth / 2);
}

// The signed-in teacher's requests awaiting the deputy (R-COR-1), by "student|lesson" (student ""
// for a lesson's record and homework): [{short, text}], from the queue the server gives a teacher
// (their own requests only).
function pendingByCell(queue) {
  const out = new Map();
  for (const r of (queue && queue.requests) || []) {
    const p = (r.proposal && r.proposal.proposal) || {};
    const v = p.value || {};
    const lesson = v.lessonId || r.lessonId;
    const student = p.case === "mark" || p.case === "attendance" ? v.studentId : p.case === "remove" ? r.studentId || "" : "";
    if (!lesson) continue;
    const key = student + "|" + lesson;
    out.set(key, [...(out.get(key) || []), requestText(r.proposal)]);
  }
  return out;
}

// R-SUB-1: the lessons the teacher takes as a substitute (/me, plain JSON), each a link to its
// journal page, named by the class and subject of /me's loads (the substitute may read those
// pages). /me gives the absent teacher by id only (no name), so that id is what it shows.
function substituteLessons() {
  const list = me.substitute_lessons || [];
  const box = el("section", { id: "substitute-lessons", "aria-labelledby": "sub-h" },
    el("h2", { id: "sub-h" }, "Уроки на замене: " + list.length));
  if (!list.length) return box.append(el("p", { class: "muted" }, "Замен нет.")), box;
  box.append(el("ul", {}, ...list.map((l) => {
    const i = me.loads.findIndex((x) => x.class_id === l.class_id && x.subject_id === l.subject_id &&
      (x.subgroup_id || "") === (l.subgroup_id || ""));
    const cls = me.loads.find((x) => x.class_id === l.class_id);
    const subject = me.loads.find((x) => x.subject_id === l.subject_id);
    const text = `${fmtDate(parseDate(l.date), false, true)}, ${l.period} урок — ` +
      (i >= 0 ? loadLabel(me.loads[i]) : `${l.class_name || (cls ? cls.name : "")} класс, ${l.subject_name || (subject ? subject.subject_name : "предмет")}`) +
      ` (вместо ${l.absent_teacher_name || "отсутствующего учителя"})` + (l.cancelled ? " — урок отменён" : "");
    return el("li", { "data-lesson": l.lesson_id }, i >= 0 ? el("a", { href: `#/journal?load=${i}` + (l.term ? `&term=${l.term}` : "") }, text) : text);
  })));
  return box;
}
