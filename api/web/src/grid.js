// The journal grid: students × lessons, a cell's marks and attendance as text, the term-mark
// column, and keyboard movement between cells. Shown editable on the journal page and read-only
// on the audit page.
import { el } from "./ui.js";
import { fmtDate } from "./dates.js";

// A cell as the grid and the diary show it: "5 4/3 н".
export function cellText(cell) {
  const parts = [];
  if (cell) {
    for (const m of cell.marks || []) parts.push(m.second_value ? m.value + "/" + m.second_value : String(m.value));
    if (cell.attendance === "ATTENDANCE_STATUS_ABSENT") parts.push("н");
    if (cell.attendance === "ATTENDANCE_STATUS_LATE") parts.push("оп");
  }
  return parts.join(" ");
}

// `page`: a JournalPageView. `compare(student, lesson)`: the other page's text of the cell; a cell
// that differs is marked.
export function gridTable(page, { onCell, onLesson, onTerm, compare, idPrefix = "c" } = {}) {
  const lessons = page.lessons || [];
  const head = el("tr", {}, el("th", { class: "student", scope: "col" }, "Ученик"),
    ...lessons.map((l, j) => el("th", { scope: "col", "data-lesson": l.lesson_id,
      title: l.topic || l.planned_topic || "" },
      onLesson ? el("button", { type: "button", class: "secondary", "data-lesson": l.lesson_id,
        onclick: () => onLesson(l, j) }, fmtDate(l.date, true)) : fmtDate(l.date, true))),
    el("th", { scope: "col" }, "Ср."), el("th", { scope: "col" }, "Итог"));
  // The class list in alphabetical order, as in a paper journal (the server lists rows by id).
  const byName = (a, b) => (a.student_name || a.student_id).localeCompare(b.student_name || b.student_id, "ru");
  const rows = [...(page.rows || [])].sort(byName).map((r, i) => {
    const cells = new Map((r.cells || []).map((c) => [c.lesson_id, c]));
    return el("tr", {}, el("th", { class: "student", scope: "row", "data-student": r.student_id, title: r.student_id },
      r.student_name || r.student_id),
      ...lessons.map((l, j) => {
        const c = cells.get(l.lesson_id);
        const text = cellText(c);
        const td = el("td", { class: "cell" });
        if (compare && compare(r.student_id, l.lesson_id) !== text) td.classList.add("diff");
        if (onCell) {
          const b = el("button", { type: "button", id: `${idPrefix}-${i}-${j}`, "data-row": i, "data-col": j,
            "data-student": r.student_id, "data-lesson": l.lesson_id,
            "aria-label": `${r.student_name || r.student_id}, ${fmtDate(l.date)}: ${text || "пусто"}` },
            el("span", { class: text.includes("н") ? "absent" : "mark" }, text));
          b.onclick = () => onCell(r, l, c, b);
          b.onkeydown = (ev) => gridKey(ev, i, j, idPrefix, r, l, c, b, onCell);
          td.append(b);
        } else td.append(el("span", { class: text.includes("н") ? "absent" : "mark" }, text));
        return td;
      }),
      el("td", {}, r.weighted_mean_x100 ? (r.weighted_mean_x100 / 100).toFixed(2) : ""),
      termCell(r, onTerm));
  });
  return el("div", { class: "scroll" }, el("table", { class: "grid" },
    el("thead", {}, head), el("tbody", {}, ...rows)));
}

// The term-mark column: the recorded mark, else the suggested one in brackets; a button for the
// teacher of the page (R-TERM-1).
function termCell(r, onTerm) {
  const tm = r.term_mark || {};
  const text = tm.value ? String(tm.value) : tm.status === "ATTESTATION_STATUS_EXEMPT" ? "осв" :
    tm.status === "ATTESTATION_STATUS_NOT_ATTESTED" ? "н/а" : (r.suggested_mark ? "(" + r.suggested_mark + ")" : "");
  const td = el("td", { class: "term", title: "Отметка за период; в скобках — предлагаемая" });
  if (!onTerm) return td.append(text), td;
  td.append(el("button", { type: "button", class: "term-button", id: "t-" + r.student_id, "data-student": r.student_id,
    "aria-label": `Отметка за период: ${r.student_name || r.student_id}, ${text || "нет"}`, onclick: () => onTerm(r) }, text || "…"));
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
