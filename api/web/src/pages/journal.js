// The journal page (teacher, class teacher, deputy, director, methodist): the grid of a
// class-subject-term with its editors for those who may write it, and below it the lessons the
// teacher takes as a substitute (R-SUB-1).
import { JournalPageViewSchema } from "gen/ejournal/v1/views_pb.js";
import { el, clear, main } from "../ui.js";
import { fmtDate, parseDate } from "../dates.js";
import { read, me, has } from "../session.js";
import { pickLoad, loadPicker, loadLabel, journalPath } from "../widgets.js";
import { gridTable } from "../grid.js";
import { cellEditor, lessonEditor, termEditor, substitutionOf } from "../editors.js";

export async function journalPage(params) {
  const m = clear(main());
  m.append(el("h1", {}, "Журнал"));
  const sel = pickLoad(params);
  if (!sel) { m.append(el("p", {}, "Нет доступных страниц журнала.")); return; }
  m.append(loadPicker("journal", sel));
  const page = await read(JournalPageViewSchema, journalPath(sel.load, sel.term));
  const editor = el("section", { id: "editor", class: "panel", "aria-label": "Ячейка", hidden: true });
  const reload = async (focusId) => {
    await journalPage(params);
    if (focusId) { const f = document.getElementById(focusId); if (f) f.focus(); }
  };
  // Editable: the teacher's own class-subject, or a page with a lesson they substitute (R-SUB-1).
  const own = sel.load.own || (page.lessons || []).some((l) => substitutionOf(l));
  m.append(el("p", { class: "muted" }, "Стрелки — переход по ячейкам, цифра 1–5 — отметка, «н» — " +
    "отсутствие, Enter — открыть ячейку. Состояние на запись №" + (page.asOfSequence || "0") + "."),
  gridTable(page, {
    onCell: own ? (r, l, c, b, pre) => cellEditor(editor, r, l, c, b, pre, reload) : null,
    onLesson: own ? (l) => lessonEditor(editor, l, reload) : null,
    // Term marks: the subject's teacher only, not a substitute (R-TERM-1).
    onTerm: sel.load.own ? (r) => termEditor(editor, r, sel, reload) : null,
  }), editor);
  if (has("teacher")) m.append(substituteLessons());
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
