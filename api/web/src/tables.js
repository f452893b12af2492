// The report tables: a scrollable table with column heads, row heads, cells, and the rows of
// students in the order of the class list (by registered name, the id when the school gave none).
import { el } from "./ui.js";

export const table = (id, heads, rows) => el("div", { class: "scroll" }, el("table", { id },
  el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))),
  el("tbody", {}, ...rows)));
export const th = (t) => el("th", { scope: "row", class: "student" }, t);
export const td = (t, attrs = {}) => el("td", attrs, t === undefined || t === null ? "" : String(t));
// A report row's student (a view message with studentId and studentName): the registered name,
// the id when the school gave none.
export const nameOf = (r) => r.studentName || r.studentId;
// Rows by the student's name (`name(row)`, a view row's by default), as the class list.
export const byStudentName = (rows, name = nameOf) => [...(rows || [])].sort((a, b) => name(a).localeCompare(name(b), "ru"));
export const studentTh = (id, name) => el("th", { scope: "row", class: "student", title: id, "data-student": id }, name);
