// The journal grid: students × lessons, a cell's marks and attendance as text, the term-mark
// column, and keyboard movement between cells. Shown editable on the journal page and read-only
// on the audit page. Pages, rows and cells are JournalPageView's messages (views.proto).
import { AttendanceStatus, AttestationStatus } from "gen/ejournal/v1/journal_pb.js";
import { el, num } from "./ui.js";
import { fmtDate } from "./dates.js";

// A cell (CellView) as the grid and the diary show it: "5 4/3 н".
export function cellText(cell) {
  const parts = [];
  if (cell) {
    for (const m of cell.marks || []) parts.push(m.secondValue ? m.value + "/" + m.secondValue : String(m.value));
    if (cell.attendance === AttendanceStatus.ABSENT) parts.push("н");
    if (cell.attendance === AttendanceStatus.LATE) parts.push("оп");
  }
  return parts.join(" ");
}

// `page`: a JournalPageView. `compare(student, lesson)`: the other page's text of the cell; a cell
// that differs is marked. `pending(student, lesson)` (student "" for the lesson's own record and
// homework): the requests awaiting the deputy there, each {short, text}; such a cell shows the
// proposed value in brackets until the deputy decides (R-COR-1).
export function gridTable(page, { onCell, onLesson, onTerm, compare, pending, idPrefix = "c" } = {}) {
  const lessons = page.lessons || [];
  const waiting = (s, l) => (pending ? pending(s, l) : []);
  const head = el("tr", {}, el("th", { class: "student", scope: "col" }, "Ученик"),
    ...lessons.map((l, j) => el("th", { scope: "col", "data-lesson": l.lessonId,
      class: waiting("", l.lessonId).length ? "pending" : null,
      title: [l.topic || l.plannedTopic || "", ...waiting("", l.lessonId).map((p) => "ждёт решения завуча: " + p.text)]
        .filter(Boolean).join("\n") },
      onLesson ? el("button", { type: "button", class: "secondary", "data-lesson": l.lessonId,
        onclick: () => onLesson(l, j) }, fmtDate(l.date, true)) : fmtDate(l.date, true))),
    el("th", { scope: "col" }, "Ср."), el("th", { scope: "col" }, "Итог"));
  // The class list in alphabetical order, as in a paper journal (the server lists rows by id).
  const byName = (a, b) => (a.studentName || a.studentId).localeCompare(b.studentName || b.studentId, "ru");
  const rows = [...(page.rows || [])].sort(byName).map((r, i) => {
    const cells = new Map((r.cells || []).map((c) => [c.lessonId, c]));
    return el("tr", {}, el("th", { class: "student", scope: "row", "data-student": r.studentId, title: r.studentId },
      r.studentName || r.studentId),
      ...lessons.map((l, j) => {
        const c = cells.get(l.lessonId);
        const text = cellText(c);
        const td = el("td", { class: "cell" });
        if (compare && compare(r.studentId, l.lessonId) !== text) td.classList.add("diff");
        const asked = waiting(r.studentId, l.lessonId);
        const askedText = asked.length ? el("span", { class: "pending-value", title: "Ждёт решения завуча: " +
          asked.map((p) => p.text).join("; ") }, "(" + asked.map((p) => p.short).join(" ") + ")") : "";
        if (asked.length) td.classList.add("pending");
        if (onCell) {
          const b = el("button", { type: "button", id: `${idPrefix}-${i}-${j}`, "data-row": i, "data-col": j,
            "data-student": r.studentId, "data-lesson": l.lessonId,
            "aria-label": `${r.studentName || r.studentId}, ${fmtDate(l.date)}: ${text || "пусто"}` +
              (asked.length ? "; ждёт решения завуча: " + asked.map((p) => p.text).join("; ") : "") },
            el("span", { class: text.includes("н") ? "absent" : "mark" }, text), askedText);
          b.onclick = () => onCell(r, l, c, b);
          b.onkeydown = (ev) => gridKey(ev, i, j, idPrefix, r, l, c, b, onCell);
          td.append(b);
        } else td.append(el("span", { class: text.includes("н") ? "absent" : "mark" }, text), askedText);
        return td;
      }),
      el("td", {}, r.weightedMeanX100 ? num(r.weightedMeanX100 / 100, 2) : ""),
      termCell(r, onTerm));
  });
  return el("div", { class: "scroll" }, el("table", { class: "grid" },
    el("thead", {}, head), el("tbody", {}, ...rows)));
}

// The term-mark column: the recorded mark, else the suggested one in brackets; a button for the
// teacher of the page (R-TERM-1).
function termCell(r, onTerm) {
  const tm = r.termMark || {};
  const text = tm.value ? String(tm.value) : tm.status === AttestationStatus.EXEMPT ? "осв" :
    tm.status === AttestationStatus.NOT_ATTESTED ? "н/а" : (r.suggestedMark ? "(" + r.suggestedMark + ")" : "");
  const td = el("td", { class: "term", title: "Отметка за период; в скобках — предлагаемая" });
  if (!onTerm) return td.append(text), td;
  td.append(el("button", { type: "button", class: "term-button", id: "t-" + r.studentId, "data-student": r.studentId,
    "aria-label": `Отметка за период: ${r.studentName || r.studentId}, ${text || "нет"}`, onclick: () => onTerm(r) }, text || "…"));
  return td;
}

// Arrows move between cells; a digit 1..5 opens the editor with that mark; "н" records an absence.
function gridKey(ev, i, j, prefix, r, l, c, b, onCell) {
  const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  if (moves[ev.key]) {
    const [di, dj] = moves[ev.key];
    const next = document.getElementById(`${prefix}-${i + di}-${j + dj}`);
    if (next) { next.focus(); ev.preventDefault(); }
  } else if (/^[1-5]$/.test(ev.key)) {
    ev.preventDefault();
    onCell(r, l, c, b, { value: ev.key });
  } else if (ev.key === "н" || ev.key === "y") {
    ev.preventDefault();
    onCell(r, l, c, b, { absent: true });
  }
}
