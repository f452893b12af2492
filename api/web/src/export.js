// The export of what a report page shows: CSV (UTF-8 with a BOM and «;» between fields, as Excel
// in a Russian locale opens it), XLSX (written by exceljs, loaded on first use: it is large and
// only the reports need it) and print (the browser's, with app.css's print rules). Both files hold
// exactly the tables on the page, under their headings, as people read them (names, not ids).
import { el, fail } from "./ui.js";

// The tables inside `box`, each with the heading before it: [{title, rows: [[text]]}].
function tablesOf(box) {
  const out = [];
  let heading = "";
  for (const n of box.querySelectorAll("h2, h3, table")) {
    if (n.tagName !== "TABLE") { heading = n.textContent.trim(); continue; }
    const rows = [...n.rows].map((tr) => [...tr.cells].map((c) => c.innerText.replace(/\s+/g, " ").trim()));
    out.push({ title: heading || "Отчёт", rows });
  }
  return out;
}

function download(name, blob) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

const csvField = (t) => (/[;"\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t);

export function toCsv(tables) {
  const lines = [];
  for (const t of tables) {
    if (tables.length > 1) lines.push(csvField(t.title));
    for (const r of t.rows) lines.push(r.map(csvField).join(";"));
    lines.push("");
  }
  return "\uFEFF" + lines.join("\r\n");
}

// "4,35" and "12" as numbers, "75,5 %" as a fraction with a percent format; the rest as text.
function cellValue(t) {
  if (/^-?\d+(,\d+)?$/.test(t)) return { value: Number(t.replace(",", ".")) };
  const p = /^(-?\d+(,\d+)?) %$/.exec(t);
  if (p) return { value: Number(p[1].replace(",", ".")) / 100, numFmt: "0.0%" };
  return { value: t };
}

async function toXlsx(tables) {
  const { default: ExcelJS } = await import("exceljs");
  const book = new ExcelJS.Workbook();
  book.creator = "ejournal";
  const used = new Set();
  tables.forEach((t, i) => {
    // Sheet names: at most 31 characters, no []:*?/\ and unique.
    let name = t.title.replace(/[[\]:*?/\\]/g, " ").slice(0, 28).trim() || "Лист";
    if (used.has(name)) name = `${name.slice(0, 25)} ${i + 1}`;
    used.add(name);
    const sheet = book.addWorksheet(name);
    t.rows.forEach((r, k) => {
      const row = sheet.addRow(r.map((c) => (k === 0 ? c : cellValue(c).value)));
      if (k === 0) row.font = { bold: true };
      else r.forEach((c, j) => { const f = cellValue(c).numFmt; if (f) row.getCell(j + 1).numFmt = f; });
    });
    sheet.columns.forEach((col, j) => {
      col.width = Math.min(50, Math.max(8, ...t.rows.map((r) => (r[j] || "").length + 2)));
    });
    sheet.views = [{ state: "frozen", ySplit: 1 }];
  });
  const bytes = await book.xlsx.writeBuffer();
  return new Blob([bytes], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
}

// The export bar of the report in `box`, named `title` in the files' names.
export function exportBar(box, title) {
  const name = (ext) => `${title} ${new Date().toISOString().slice(0, 10)}.${ext}`;
  const run = (fn) => async () => {
    try {
      const tables = tablesOf(box);
      if (!tables.length) throw new Error("В отчёте нет таблиц для выгрузки");
      await fn(tables);
    } catch (e) { fail(e); }
  };
  return el("div", { class: "row no-print", id: "report-export" },
    el("button", { type: "button", class: "secondary", id: "export-csv",
      onclick: run((t) => download(name("csv"), new Blob([toCsv(t)], { type: "text/csv;charset=utf-8" }))) }, "Скачать CSV"),
    el("button", { type: "button", class: "secondary", id: "export-xlsx",
      onclick: run(async (t) => download(name("xlsx"), await toXlsx(t))) }, "Скачать XLSX"),
    el("button", { type: "button", class: "secondary", id: "export-print", onclick: () => window.print() }, "Печать"));
}
