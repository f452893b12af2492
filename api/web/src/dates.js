// Dates as the API and the pages have them: {year, month, day} messages (ejournal.v1.Date), ISO
// "YYYY-MM-DD" strings, and the local "YYYY-MM-DDTHH:MM:SS" of a datetime-local input.

const WEEKDAYS = ["вс", "пн", "вт", "ср", "чт", "пт", "сб"];
export function fmtDate(d, short = false, weekday = false) {
  if (!d) return "";
  const dd = String(d.day).padStart(2, "0"), mm = String(d.month).padStart(2, "0");
  const wd = weekday ? WEEKDAYS[new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()] + ", " : "";
  return wd + (short ? `${dd}.${mm}` : `${dd}.${mm}.${d.year}`);
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
