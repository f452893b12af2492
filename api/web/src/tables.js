// The report tables: a scrollable table with column heads, row heads, cells, and the rows of
// students in the order of the class list (by registered name, the id when the school gave none).
import { el } from "./ui.js";

export const table = (id, heads, rows) => el("div", { class: "scroll" }, el("table", { id },
  el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))),
  el("tbody", {}, ...rows)));
export const th = (t) => el("th", { scope: "row", class: "student" }, t);
export const td = (t, attrs = {}) => el("td", attrs, t === undefined || t === null ? "" : String(t));
// Report rows by the student's registered name (the id when the school gave none), as the class list.
export const nameOf = (r) => r.student_name || r.student_id;
export const byStudentName = (rows) => [...(rows || [])].sort((a, b) => nameOf(a).localeCompare(nameOf(b), "ru"));
export const studentTh = (r) => el("th", { scope: "row", class: "student", title: r.student_id, "data-student": r.student_id }, nameOf(r));
