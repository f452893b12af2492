// Dates as the API and the pages have them: {year, month, day} messages (ejournal.v1.Date), ISO
// "YYYY-MM-DD" strings, and the local "YYYY-MM-DDTHH:MM:SS" of a datetime-local input. What people
// read is written the Russian way by hand, whatever the browser's locale: ДД.ММ.ГГГГ, ЧЧ:ММ:СС,
// weekdays «пн»…«вс», the week from Monday. Moments are shown and entered in the school's time zone
// (R-TIME-1: /me's time_zone, set by session.js), not the browser's: a parent abroad and the
// school read the same "10:30".

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
// The school's IANA time zone ("Europe/Moscow"); undefined: the browser's own.
let zone;
let parts = null;
export function setTimeZone(tz) {
  zone = tz || undefined;
  try {
    parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  } catch { zone = undefined; parts = null; }
}
// A moment's calendar fields in the school's zone: {year, month, day, hour, minute, second}.
function fieldsOf(t) {
  if (!parts) return { year: t.getFullYear(), month: t.getMonth() + 1, day: t.getDate(), hour: t.getHours(),
    minute: t.getMinutes(), second: t.getSeconds() };
  const f = Object.fromEntries(parts.formatToParts(t).filter((x) => x.type !== "literal").map((x) => [x.type, Number(x.value)]));
  return { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second };
}
// A moment (a JS Date) in the school's time zone: "18.11.2026, 10:30:05".
export function fmtDateTime(t) {
  const f = fieldsOf(t);
  return `${p2(f.day)}.${p2(f.month)}.${f.year}, ${p2(f.hour)}:${p2(f.minute)}:${p2(f.second)}`;
}
// The moment a school-local "YYYY-MM-DDTHH:MM[:SS]" (a datetime-local input, a day's start) names.
export function instantOf(local) {
  const [d, tm = "00:00"] = local.split("T");
  const [y, mo, dd] = d.split("-").map(Number);
  const [h, mi, sec = 0] = tm.split(":").map(Number);
  const wall = Date.UTC(y, mo - 1, dd, h, mi, sec);
  if (!parts) return new Date(y, mo - 1, dd, h, mi, sec);
  // The zone's offset at that wall time, found from a first guess and checked once (a change of
  // offset between the guess and the answer moves it by that change).
  const offsetAt = (ms) => { const f = fieldsOf(new Date(ms)); return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - Math.floor(ms / 1000) * 1000; };
  let t = wall - offsetAt(wall);
  t = wall - offsetAt(t);
  return new Date(t);
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
// A moment as a datetime-local input's value, in the school's zone.
export function localInput(t) {
  const f = fieldsOf(t);
  return `${f.year}-${p2(f.month)}-${p2(f.day)}T${p2(f.hour)}:${p2(f.minute)}:${p2(f.second)}`;
}
