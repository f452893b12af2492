// A school opens its year in the pages, from `ejournal init` (no generator), in Debian's chromium
// driven by playwright-core, against a real ejournald on 127.0.0.1 (R-SET-1, R-SET-2, R-SET-3,
// R-PLAN-1). The administrator sets the year, its quarters and a holiday, imports a OneRoster set
// and a Russian roster CSV, adds a methodist by hand and issues staff passwords as slips; the
// methodist sets the bells and the timetable and generates the lessons; the teacher imports a КТП;
// the class teacher issues the parents' first passwords. Then the server restarts on the first
// school day: the teacher records the first lesson's topic (the planned one offered), a mark and an
// absence; a parent signs in with the slip's password, changes it and sees the mark in the diary.
// Every step picks people, classes and subjects by name; no id is typed.
//
// node init_e2e.mjs --ejournal BIN --ejournald BIN --web-root DIR --out DIR
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { chromiumOptions, startServer } from "../../tools/web_demo.mjs";
import { args, check, chromium, chromiumPath, clockedPage, tally } from "./harness.mjs";

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${argv.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}
// A Moscow wall-clock moment as Unix microseconds (the school's zone; UTC+3 all year).
const moscowUs = (iso) => BigInt(Date.parse(iso + ":00+03:00")) * 1000n;

const data = mkdtempSync(path.join(tmpdir(), "ejournal-init-web-"));
const out = args.out;
mkdirSync(out, { recursive: true });
let server = null;
let browser = null;
let url = "";
let offsetMs = 0;
const SCHOOL = "school-1";

// The OneRoster set a district system would export for the coming year: 5А with its class teacher
// (Петрова, homeroom), mathematics (Петрова) and Russian (Сидоров), two students and a guardian.
const ONEROSTER = {
  "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n" +
    "file.academicSessions,bulk\nfile.classes,bulk\nfile.courses,bulk\nfile.enrollments,bulk\n" +
    "file.orgs,bulk\nfile.roles,bulk\nfile.users,bulk\nfile.userProfiles,absent\n",
  "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n" +
    "school-1,,,МБОУ СОШ № 7,school,,\n",
  "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\n" +
    "2026-2027,,,2026/2027 учебный год,schoolYear,2026-09-01,2027-08-31,,2027\n",
  "courses.csv": "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\n" +
    "math,,,2026-2027,Математика,Мат.,,school-1,,\nrussian,,,2026-2027,Русский язык,Рус.яз.,,school-1,,\n" +
    "hr,,,2026-2027,Классное руководство,,,school-1,,\n",
  "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n" +
    "c5a,,,5 «А» класс,05,hr,5А,homeroom,,school-1,,,,\n" +
    "c5a-math,,,\"Математика, 5А\",05,math,5А,scheduled,,school-1,,,,\n" +
    "c5a-rus,,,\"Русский язык, 5А\",05,russian,5А,scheduled,,school-1,,,,\n",
  "users.csv": "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n" +
    "t-petrova,,,true,petrova.ni,,Нина,Петрова,Ивановна,,,,,,,\n" +
    "t-sidorov,,,true,sidorov.op,,Олег,Сидоров,Павлович,,,,,,,\n" +
    "u-st1,,,true,ivanov.ps,,Пётр,Иванов,Сергеевич,,,,,u-pa1,05,\n" +
    "u-st2,,,true,petrova.aa,,Анна,Петрова,Алексеевна,,,,,,05,\n" +
    "u-pa1,,,true,ivanova.mp,,Мария,Иванова,Петровна,,ivanova@mail.ru,,8 900 123 45 67,u-st1,,\n",
  "roles.csv": "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n" +
    "r1,,,t-petrova,primary,teacher,,,school-1,\nr2,,,t-sidorov,primary,teacher,,,school-1,\n" +
    "r3,,,u-st1,primary,student,,,school-1,\nr4,,,u-st2,primary,student,,,school-1,\n" +
    "r5,,,u-pa1,primary,guardian,,,school-1,\n",
  "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n" +
    "e1,,,c5a,school-1,t-petrova,teacher,true,,\ne2,,,c5a-math,school-1,t-petrova,teacher,true,,\n" +
    "e3,,,c5a-rus,school-1,t-sidorov,teacher,true,,\n" +
    "e4,,,c5a,school-1,u-st1,student,false,2026-09-01,\ne5,,,c5a,school-1,u-st2,student,false,2026-09-01,\n",
};

try {
  run(args.ejournal, ["init", "--data", data, "--school", SCHOOL, "--school-name", "МБОУ СОШ № 7", "--now", "2026-08-27T09:00"]);
  const start = async (moment) => {
    const us = moscowUs(moment);
    ({ server, url } = await startServer(args.ejournald, data, args["web-root"], ["--clock-start", String(us)]));
    offsetMs = Number(us / 1000n) - Date.now();
  };
  const stop = async () => {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
    server = null;
  };
  // Thursday before the year: the set-up.
  await start("2026-08-27T10:00");
  const adminPassword = "пароль администратора";
  run(args.ejournal, ["passwd", "--server", url, "--key", path.join(data, "admin.key"), "--school", SCHOOL,
    "--password", adminPassword]);

  browser = await chromium.launch(chromiumOptions(chromiumPath));
  const shot = (page, name) => page.screenshot({ path: path.join(out, name + ".png"), fullPage: true });
  const statusText = (page) => page.locator("#status").innerText();
  const clearStatus = (page) => page.evaluate(() => { document.getElementById("status").textContent = ""; });
  const statusSays = async (page, re) => {
    try {
      await page.waitForFunction((src) => new RegExp(src).test(document.getElementById("status").textContent), re.source);
    } catch (e) {
      const errors = await page.locator(".form-error").allInnerTexts().catch(() => []);
      throw new Error(`waited for ${re}; status «${await statusText(page)}», form errors: ${errors.join(" | ")}`);
    }
  };
  async function signIn(login, password, who) {
    const page = await clockedPage(browser, offsetMs, who);
    await page.goto(url + "/#/login");
    await page.fill("#school", SCHOOL);
    await page.fill("#login", login);
    await page.fill("#password", password);
    await page.press("#password", "Enter");
    await page.waitForSelector("#logout");
    return page;
  }
  // A first sign-in with a slip's password: the only page is «Смена пароля» (R-SET-2).
  async function firstSignIn(slip, newPassword, who) {
    const page = await signIn(slip.login, slip.password, who);
    await page.waitForSelector("#password-form");
    check((await page.locator("#password-first").count()) === 1 && (await page.locator("nav a").count()) <= 1,
      `${who}: the first sign-in shows only the password change`);
    await page.fill("#new-password", newPassword);
    await page.fill("#new-password-again", newPassword);
    await page.click("#password-form button[type=submit]");
    await statusSays(page, /Пароль изменён/);
    return page;
  }
  const slipOf = async (page, name) => {
    const slip = page.locator("#slips .slip", { hasText: name });
    return { login: await slip.locator(".slip-login").innerText(), password: await slip.locator(".slip-password").innerText() };
  };

  // ---- the administrator: the year, its quarters and a holiday
  const admin = await signIn("admin", adminPassword, "admin");
  check(await admin.evaluate(() => location.hash) === "#/setup", "the administrator lands on «Администрирование»");
  await admin.click("nav.tabs a[data-tab=year]");
  await admin.waitForSelector("#year-form");
  check(await admin.inputValue("#year-first") === "2026-09-01" && await admin.inputValue("#year-last") === "2027-08-31",
    "the year form starts from the coming school year");
  check((await admin.locator("#year-terms tr").count()) === 4, "four quarters are offered with their usual dates");
  await admin.fill("#year-terms tr:nth-child(4) .term-last", "2027-09-10");
  await admin.click("#year-form button[type=submit]");
  await admin.waitForSelector("#year-form .form-error");
  check((await admin.locator("#year-form .form-error").innerText()).includes("R-TERM-1"),
    "a quarter outside the year is refused next to the form with its rule");
  await admin.fill("#year-terms tr:nth-child(4) .term-last", "2027-05-26");
  await admin.click("#year-form button[type=submit]");
  await statusSays(admin, /Учебный год 2026-2027 записан/);
  await admin.waitForSelector("#holiday-form");
  await admin.fill("#holiday-from", "2026-11-04");
  await admin.fill("#holiday-to", "2026-11-04");
  await admin.selectOption("#holiday-kind", "2");
  await admin.fill("#holiday-name", "День народного единства");
  await admin.click("#holiday-form button[type=submit]");
  await statusSays(admin, /объявлены/);
  const year = await admin.locator("#setup-year").innerText();
  check(year.includes("1-я четверть") && year.includes("01.09.2026 — 26.10.2026") && year.includes("День народного единства"),
    "the year shows its quarters and the holiday");
  await shot(admin, "init-01-year");

  // ---- the OneRoster set, then the school's own spreadsheet
  const orDir = path.join(data, "oneroster");
  mkdirSync(orDir);
  for (const [name, text] of Object.entries(ONEROSTER)) writeFileSync(path.join(orDir, name), text);
  await admin.click("nav.tabs a[data-tab=import]");
  await admin.waitForSelector("#oneroster-form");
  await admin.setInputFiles("#oneroster-files", Object.keys(ONEROSTER).map((n) => path.join(orDir, n)));
  await admin.click("#oneroster-form button[type=submit]");
  await admin.waitForSelector("#import-preview .proposal-record");
  const orPreview = await admin.locator("#import-preview").innerText();
  check(orPreview.includes("Петрова Нина Ивановна") && orPreview.includes("5А"), "the OneRoster dry run names people and the class");
  await clearStatus(admin);
  await admin.click("#import-preview .proposal-record");
  await statusSays(admin, /Записано событий: \d+/);
  check(!(await statusText(admin)).includes("Отказано"), "the OneRoster set is recorded: " + await statusText(admin));
  const roster = path.join(data, "roster.csv");
  writeFileSync(roster, "\ufeffФамилия;Имя;Отчество;Класс;Дата рождения;ФИО родителя;Телефон\n" +
    "Новиков;Артём;Сергеевич;5А;12.03.2015;Новикова Елена Павловна;+79161234567\n");
  await admin.setInputFiles("#roster-file", roster);
  await admin.click("#roster-form button[type=submit]");
  await admin.waitForSelector("#import-preview .proposal-record");
  check((await admin.locator("#import-preview").innerText()).includes("Новиков Артём Сергеевич"),
    "the roster's dry run names the new student");
  await clearStatus(admin);
  await admin.click("#import-preview .proposal-record");
  await statusSays(admin, /Записано событий: \d+/);
  // The same file again records nothing.
  await admin.setInputFiles("#roster-file", roster);
  await admin.click("#roster-form button[type=submit]");
  await admin.waitForSelector("#import-preview:not([hidden])");
  check((await admin.locator("#import-preview").innerText()).includes("событий к записи: 0"),
    "importing the same roster again would record nothing");

  // ---- a teaching load by hand: Russian in 5А, 3 hours a week
  await admin.click("nav.tabs a[data-tab=classes]");
  await admin.waitForSelector("#load-form");
  await admin.selectOption("#load-class", { label: "5А" });
  await admin.selectOption("#load-subject", { label: "Русский язык" });
  await admin.selectOption("#load-teacher", { label: "Сидоров Олег Павлович" });
  await admin.fill("#load-hours", "3");
  await clearStatus(admin);
  await admin.click("#load-form button[type=submit]");
  await statusSays(admin, /Нагрузка назначена: 5А, Русский язык — Сидоров Олег Павлович, 3 ч в неделю/);
  check((await admin.locator("#loads-table").innerText()).includes("5А\tРусский язык\tСидоров Олег Павлович\t3"),
    "the loads table lists the new load by name");

  // ---- a methodist added by hand; staff passwords issued as slips
  await admin.click("nav.tabs a[data-tab=users]");
  await admin.click("nav.tabs a[data-tab=users]");
  await admin.waitForSelector("#add-user");
  await admin.fill("#new-user-name", "Орлова Вера Николаевна");
  await admin.fill("#new-user-login", "orlova.vn");
  await admin.check("#new-user-roles input[data-role=methodist]");
  await clearStatus(admin);
  await admin.click("#add-user button[type=submit]");
  await statusSays(admin, /добавлен/);
  const slips = {};
  for (const [name, login] of [["Орлова Вера Николаевна", "orlova.vn"], ["Петрова Нина Ивановна", "petrova.ni"]]) {
    await admin.waitForSelector("#issue-password-form");
    await admin.selectOption("#password-user", { label: `${name} (${login})` });
    await clearStatus(admin);
    await admin.click("#issue-password-form button[type=submit]");
    await statusSays(admin, /Временный пароль/);
    slips[login] = await slipOf(admin, name);
    check(slips[login].login === login && slips[login].password.length >= 8, `a slip for ${name} with the login and a password`);
  }
  await shot(admin, "init-02-staff-slip");

  // ---- the methodist: bells, a timetable slot, the lessons of the first weeks
  const methodist = await firstSignIn(slips["orlova.vn"], "пароль методиста", "methodist");
  await methodist.goto(url + "/#/schedule");
  await methodist.waitForSelector("#bell-form");
  await methodist.fill("#bell-from", "2026-09-01");
  await clearStatus(methodist);
  await methodist.click("#bell-form button[type=submit]");
  await statusSays(methodist, /Звонки «Основное» записаны/);
  await methodist.fill("#schedule-on", "2026-09-01");
  await methodist.press("#schedule-on", "Enter");
  await methodist.waitForSelector("table.bells");
  check((await methodist.locator("table.bells").innerText()).includes("08:30\t09:15"), "the bells list the first lesson 08:30–09:15");
  await methodist.selectOption("#slot-load", { label: "Математика — Петрова Нина Ивановна" });
  await methodist.selectOption("#slot-weekday", "2");
  await methodist.selectOption("#slot-period", "1");
  await methodist.fill("#slot-room", "12");
  await methodist.fill("#slot-from", "2026-09-01");
  await clearStatus(methodist);
  await methodist.click("#add-slot button[type=submit]");
  await statusSays(methodist, /добавлен в расписание/);
  await methodist.waitForSelector('td.slot[data-weekday="2"][data-period="1"] .slot-entry');
  check((await methodist.locator('td.slot[data-weekday="2"][data-period="1"]').innerText()).includes("Петрова Нина Ивановна"),
    "the week grid shows Tuesday's first lesson with its teacher by name");
  await methodist.fill("#generate-from", "2026-09-01");
  await methodist.fill("#generate-to", "2026-09-20");
  await methodist.click("#generate-form button[type=submit]");
  await methodist.waitForSelector("#generate-preview .proposal-record");
  const gen = await methodist.locator("#generate-preview").innerText();
  check(gen.includes("5А") && gen.includes("1-й урок — Математика, Петрова Нина Ивановна"), "the generation lists each new lesson by name");
  await clearStatus(methodist);
  await methodist.click("#generate-preview .proposal-record");
  await statusSays(methodist, /Записано событий: 3\./);
  await shot(methodist, "init-03-schedule");

  // ---- the teacher: the КТП of the first quarter
  const teacher = await firstSignIn(slips["petrova.ni"], "пароль учителя", "teacher");
  await teacher.goto(url + "/#/plan");
  await teacher.waitForSelector("#plan-import");
  const ktp = path.join(data, "ktp.csv");
  writeFileSync(ktp, "№ урока;Тема урока;Кол-во часов;Вид работы\n1;Натуральные числа;1;\n2;Сложение натуральных чисел;1;\n" +
    "3;Контрольная работа № 1;1;контрольная работа\n");
  await teacher.selectOption("#plan-load", { label: "5А, Математика" });
  await teacher.selectOption("#plan-term", "1");
  await teacher.setInputFiles("#plan-file", ktp);
  await teacher.click("#plan-import button[type=submit]");
  await teacher.waitForSelector("#plan-preview .proposal-record");
  await clearStatus(teacher);
  await teacher.click("#plan-preview .proposal-record");
  await statusSays(teacher, /Записано событий: 1\./);
  await teacher.waitForSelector("#plan-progress article.plan");
  const progress = await teacher.locator("#plan-progress article.plan").innerText();
  check(progress.includes("5А, Математика, 1-я четверть") && progress.includes("По плану 3 ч") &&
    progress.includes("уроков в расписании 3, проведено 0") && progress.includes("15.09.2026") &&
    progress.includes("R-PLAN-1"), "the plan is shown beside its lessons, with the load's hours checked: " + progress.split("\n").slice(0, 3).join(" / "));

  // ---- the class teacher (the same teacher): first passwords of the class's families
  await teacher.goto(url + "/#/class");
  await teacher.waitForSelector("#logins-form");
  const people = await teacher.locator("#logins-table").innerText();
  check(people.includes("Иванова Мария Петровна") && people.includes("родитель (Иванов Пётр Сергеевич)") &&
    people.includes("Новикова Елена Павловна"), "the class's logins list students and parents by name");
  await clearStatus(teacher);
  await teacher.click("#logins-form button[type=submit]");
  await statusSays(teacher, /Выдано паролей: \d+/);
  const parentSlip = await slipOf(teacher, "Иванова Мария Петровна");
  check(parentSlip.login === "ivanova.mp" && parentSlip.password.length >= 8, "the parent's slip has the login and a password");
  check((await teacher.locator("#logins-table tr", { hasText: "Иванова Мария Петровна" }).innerText()).includes("выдан"),
    "the list says the password was issued");
  await shot(teacher, "init-04-class-slips");
  await browser.close();
  browser = null;
  await stop();

  // ---- the first school day, 1 September, during the first lesson
  await start("2026-09-01T08:40");
  browser = await chromium.launch(chromiumOptions(chromiumPath));
  const t2 = await signIn("petrova.ni", "пароль учителя", "teacher");
  check(await t2.evaluate(() => location.hash) === "#/today", "the teacher lands on «Мой день»");
  await t2.waitForSelector("#today-lessons .today-lesson");
  check((await t2.locator("#today-lessons .today-lesson").first().innerText()).includes("Математика"),
    "«Мой день» lists the first lesson of the day by class and subject");
  await shot(t2, "init-05-teacher-day");
  await t2.click("#today-lessons a.today-open");
  await t2.waitForSelector("table.grid");
  const lesson = t2.locator("table.grid thead button[data-lesson]").first();
  check((await lesson.innerText()).includes("01.09"), "the journal's first lesson is 1 September");
  await lesson.click();
  await t2.waitForSelector("#topic-form");
  check(await t2.inputValue("#topic") === "Натуральные числа", "the lesson form offers the КТП's first topic");
  await clearStatus(t2);
  await t2.click("#topic-form button[type=submit]");
  await statusSays(t2, /Урок записан/);
  const cell = (name) => t2.locator("table.grid tbody tr", { hasText: name }).locator("td.cell button").first();
  await cell("Иванов Пётр Сергеевич").focus();
  await t2.keyboard.press("5");
  await clearStatus(t2);
  await t2.click("#mark-submit");
  await statusSays(t2, /Отметка записана/);
  await cell("Петрова Анна Алексеевна").focus();
  await clearStatus(t2);
  // The key «н» of a Russian keyboard layout (playwright's keyboard types only the US layout's keys).
  await cell("Петрова Анна Алексеевна").dispatchEvent("keydown", { key: "н", bubbles: true });
  await statusSays(t2, /Отсутствие записано/);
  check((await cell("Иванов Пётр Сергеевич").innerText()) === "5" && (await cell("Петрова Анна Алексеевна").innerText()) === "н",
    "the grid shows the mark and the absence");
  await shot(t2, "init-05-first-lesson");
  // The teacher's week: Tuesday's first lesson with its bells, class and room.
  await t2.goto(url + "/#/week");
  await t2.waitForSelector("#week-grid");
  const tweek = await t2.locator("#week-grid").innerText();
  check(tweek.includes("08:30–09:15") && tweek.includes("Математика") && tweek.includes("5А класс, каб. 12"),
    "the teacher's week shows the lesson with its bells, class and room");

  // ---- the parent: the slip's password, a new one, the mark in the diary
  const parent = await firstSignIn(parentSlip, "пароль родителя", "parent");
  await parent.goto(url + "/#/diary");
  await parent.waitForFunction(() => document.querySelector("main").innerText.includes("Математика"));
  const diary = await parent.locator("main").innerText();
  check(diary.includes("Иванов Пётр") && diary.includes("Натуральные числа") && /\b5\b/.test(diary),
    "the parent sees the child's mark and the lesson's topic in the diary");
  check(!/\bt-petrova\b|\bu-st1\b|\bmath\b/.test(diary), "the diary shows names, not ids");
  await parent.goto(url + "/#/week");
  await parent.waitForSelector("#week-grid");
  check((await parent.locator("#week-grid").innerText()).includes("Петрова Нина Ивановна, каб. 12"),
    "the parent sees the class's week with the teacher by name");
  await parent.goto(url + "/#/diary");
  await parent.waitForSelector("#control-works");
  const works = await parent.locator("#control-works").innerText().catch(() => "");
  check(works.includes("15.09.2026") && works.includes("Математика: контрольная работа, «Контрольная работа № 1»"),
    "the parent sees the planned control work in the schedule (R-PLAN-2): " + works);
  await shot(parent, "init-06-parent-diary");
  // A phone: the pages a parent and a teacher use fit 375 px (wide tables scroll inside).
  await parent.setViewportSize({ width: 375, height: 800 });
  for (const page of ["diary", "week", "password"]) {
    await parent.goto(`${url}/#/${page}`);
    await parent.waitForSelector("main h1");
    await parent.waitForLoadState("networkidle");
    check(await parent.evaluate(() => document.documentElement.scrollWidth <= 375), `the parent's #/${page} fits a 375-px screen`);
    await shot(parent, `init-07-parent-${page}-375px`);
  }
  await t2.setViewportSize({ width: 375, height: 800 });
  for (const page of ["plan", "week", "class"]) {
    await t2.goto(`${url}/#/${page}`);
    await t2.waitForSelector("main h1");
    await t2.waitForLoadState("networkidle");
    check(await t2.evaluate(() => document.documentElement.scrollWidth <= 375), `the teacher's #/${page} fits a 375-px screen`);
    await shot(t2, `init-08-teacher-${page}-375px`);
  }
} catch (e) {
  console.log("FAIL " + (e.stack || e.message));
  tally.failures++;
  // What each open page showed when the step failed: its status line and a screenshot.
  for (const [i, page] of (browser ? browser.contexts().flatMap((c) => c.pages()) : []).entries()) {
    const text = await page.locator("#status").innerText().catch(() => "");
    console.log(`page ${i} ${page.url()}: status «${text}»`);
    await page.screenshot({ path: path.join(out, `init-failed-${i}.png`), fullPage: true }).catch(() => {});
  }
} finally {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
}
if (tally.failures) {
  console.log(`${tally.failures} check(s) failed`);
  process.exit(1);
}
console.log("init_e2e: all checks passed");
