// Dates as the API and the pages have them: {year, month, day} messages (ejournal.v1.Date), ISO
// "YYYY-MM-DD" strings, and the local "YYYY-MM-DDTHH:MM:SS" of a datetime-local input. What people
// read is written the Russian way by hand, whatever the browser's locale: ДД.ММ.ГГГГ, ЧЧ:ММ:СС,
// weekdays «пн»…«вс», the week from Monday.

// Short weekday names from Monday (index 0) to Sunday (index 6), as a Russian week is written.
export const WEEKDAYS = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"];
// The index into WEEKDAYS of a date: 0 Monday … 6 Sunday (getUTCDay counts from Sunday).
export const weekdayOf = (d) => (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;
const p2 = (x) => String(x).padStart(2, "0");
export function fmtDate(d, short = false, weekday = false) {
  if (!d) return "";
  const wd = weekday ? WEEKDAYS[weekdayOf(d)] + ", " : "";
  return wd + (short ? `${p2(d.day)}.${p2(d.month)}` : `${p2(d.day)}.${p2(d.month)}.${d.year}`);
}
// A moment (a JS Date) in the browser's time zone: "18.11.2026, 10:30:05".
export function fmtDateTime(t) {
  return `${p2(t.getDate())}.${p2(t.getMonth() + 1)}.${t.getFullYear()}, ${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())}`;
}
export function parseDate(s) {
  const [y, m, d] = s.split("-").map((x) => parseInt(x, 10));
  return { year: y, month: m, day: d };
}
export function addDays(iso, n) {
  const t = new Date(iso + "T00:00:00Z");
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

export function isoOf(d) { return `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`; }
export function localInput(t) {
  const p = (x) => String(x).padStart(2, "0");
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
}
