// Обучение на дому end to end in Debian's chromium against a real ejournald on 127.0.0.1 (R-LES-2,
// seed 004 §8.2: "во вкладке «Обучение на дому» страницы журнала на каждого обучающегося"). The
// administrator moves a student into home schooling in their class; the methodist puts an
// individual lesson for that student into the timetable and makes the lessons from it; the
// teacher finds the student's own page among their journal pages, named for people, with that
// student's row only, and marks the lesson there; the lesson is on the teacher's day.
//
// node home_e2e.mjs --ejournal BIN --ejournald BIN --web-root DIR --out DIR [--at YYYY-MM-DDTHH:MM]
// Exit 0: passed; 77: skipped (no chromium or no playwright-core); else failed.
import { check, demoTest } from "./harness.mjs";

await demoTest({ prefix: "ejournal-home-", roles: ["ADMIN", "METHODIST", "TEACHER"] }, async ({ env, url, signIn: as, shot: snap }) => {
  const shot = (page, name) => snap(page, "home-" + name);
  const signIn = (role) => as(env[role]);
  const statusHas = (page, text) => page.waitForFunction((t) => document.getElementById("status").textContent.includes(t), text);

  // ---- the administrator: the student into home schooling, in the same class, from today
  const admin = await signIn("ADMIN");
  await admin.goto(url + "/#/setup?tab=movement");
  await admin.waitForSelector("#move-form");
  await admin.selectOption("#move-student", env.STUDENT);
  await admin.selectOption("#move-class", env.CLASS);
  await admin.check("#move-home");
  await admin.fill("#move-order", "Приказ № 90 от 18.11.2026");
  await admin.click("#move-form button[type=submit]");
  await statusHas(admin, "обучение на дому");
  const me = await admin.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  const today = me.today;
  const setup = await admin.evaluate((p) => fetch(p).then((r) => r.json()), `/api/v1/schools/${env.SCHOOL}/setup`);
  const student = setup.users.find((u) => u.user.user_id === env.STUDENT).user.display_name;
  const load = setup.loads.find((l) => l.class_id === env.CLASS && l.subject_id === env.SUBJECT && l.teacher_id === env.TEACHER);
  check(!!load, "the teacher holds the load of the walkthrough's class and subject");

  // ---- the methodist: an individual lesson today, 8th period, for that student only
  const methodist = await signIn("METHODIST");
  await methodist.goto(`${url}/#/schedule?class=${env.CLASS}&on=${today}`);
  await methodist.waitForSelector("#add-slot #slot-student");
  const weekday = new Date(today + "T12:00:00Z").getUTCDay() || 7;
  await methodist.selectOption("#slot-load", load.load_id);
  await methodist.selectOption("#slot-weekday", String(weekday));
  await methodist.selectOption("#slot-period", "8");
  await methodist.selectOption("#slot-student", env.STUDENT);
  await methodist.click("#add-slot button[type=submit]");
  await statusHas(methodist, "на дому");
  await methodist.waitForSelector(`#schedule-grid td[data-weekday="${weekday}"][data-period="8"] .slot-entry`);
  const entry = await methodist.locator(`#schedule-grid td[data-weekday="${weekday}"][data-period="8"] .slot-entry`).innerText();
  check(entry.includes("на дому: " + student), "the timetable names the individual lesson's student: " + entry);
  await methodist.fill("#generate-from", today);
  await methodist.fill("#generate-to", today);
  await methodist.click("#generate-form button[type=submit]");
  await methodist.waitForSelector("#generate-preview .proposal-record");
  const preview = await methodist.locator("#generate-preview").innerText();
  check(preview.includes("на дому: " + student), "the lessons to make name the home-schooled student: " + preview.slice(0, 300));
  await methodist.click("#generate-preview .proposal-record");
  await methodist.waitForFunction(() => /запис/i.test(document.getElementById("status").textContent));
  await shot(methodist, "schedule");

  // ---- the teacher: the student's own page among the journal pages; one row; a mark on it
  const teacher = await signIn("TEACHER");
  const tme = await teacher.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  const homeIndex = tme.loads.findIndex((l) => l.class_id === env.CLASS && l.subject_id === env.SUBJECT &&
    l.subgroup_id === "@" + env.STUDENT);
  check(homeIndex >= 0, "the teacher's journal pages include the student's home-schooling page");
  const page = tme.loads[homeIndex];
  check(page && page.subgroup_name === "обучение на дому: " + student, "the page is named for people: " + (page && page.subgroup_name));
  await teacher.goto(`${url}/#/journal?load=${homeIndex}&term=${page.current_term}`);
  await teacher.waitForSelector("table.grid");
  const rows = await teacher.locator("table.grid tbody tr").count();
  check(rows === 1, "the home-schooling page has the student's row only: " + rows);
  const picked = await teacher.locator("#load option:checked").innerText();
  check(picked.includes("обучение на дому: " + student), "the page picker names the student's page: " + picked);
  const text = await teacher.locator("main").innerText();
  check(text.includes(student) && !text.includes("@" + env.STUDENT), "the row names the student; no internal id shows");
  const lessons = await teacher.evaluate((p) => fetch(p).then((r) => r.json()),
    `/api/v1/schools/${env.SCHOOL}/classes/${env.CLASS}/subjects/${env.SUBJECT}/terms/${page.current_term}/journal?subgroup=` +
    encodeURIComponent("@" + env.STUDENT));
  const lesson = (lessons.lessons || []).find((l) => l.lesson_id.includes(today));
  check(!!lesson, "the timetable gave today's individual lesson on the student's page");
  if (lesson) {
    await teacher.click(`td.cell button[data-lesson="${lesson.lesson_id}"][data-student="${env.STUDENT}"]`);
    await teacher.fill("#mark-value", "5");
    await teacher.click("#mark-submit");
    await statusHas(teacher, "Отметка записана");
    const cell = await teacher.locator(`td.cell button[data-lesson="${lesson.lesson_id}"][data-student="${env.STUDENT}"]`).innerText();
    check(cell.includes("5"), "the mark stands in the student's cell: " + cell);
  }
  await shot(teacher, "journal");
  // The teacher's day lists the individual lesson, named.
  await teacher.goto(url + "/#/today");
  await teacher.waitForSelector("main h1");
  await teacher.waitForFunction((t) => document.querySelector("main").innerText.includes(t), "на дому: " + student);
  check(true, "«Мой день» lists the individual lesson with the student's name");
  await shot(teacher, "today");
});
