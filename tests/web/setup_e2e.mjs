// End-to-end test of the set-up pages (#/setup «Администрирование», #/schedule «Расписание уроков»):
// Debian's chromium driven by playwright-core against a real ejournald on the demo school, at the
// same fixed moment as e2e.mjs. The administrator lands on #/setup, adds a user (a duplicate login
// is refused next to the form with its rule), creates a class with that user as class teacher,
// checks a roster file (a refused file records nothing) and records a good one; the methodist adds
// a timetable slot (a clash is refused with R-SET-3), generates the lessons from the timetable and
// records them through events:batch, and removes the slot. The pages must show each result.
// Finally `ejournal ledger verify` checks the ledger with the browser-signed events in it.
//
// node setup_e2e.mjs --ejournal BIN --ejournald BIN --web-root DIR --out DIR [--chromium PATH]
// Exit 0: passed; 77: skipped (no chromium or no playwright-core); else failed.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

import { args, check, demoTest } from "./harness.mjs";

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${argv.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

await demoTest({ prefix: "ejournal-setup-web-", roles: ["ADMIN", "METHODIST", "DIRECTOR"], after: (data) => {
  const v = run(args.ejournal, ["ledger", "verify", "--data", data]);
  check(true, "ejournal ledger verify passes with the browser-signed events: " + v.trim().split("\n").pop());
} }, async ({ env, url, data, signIn: as, shot: snap }) => {
  const shot = snap;
  const signIn = (role) => as(env[role]);
  const statusText = (page) => page.locator("#status").innerText();
  // The status line emptied before an action, so that the next wait sees that action's result.
  const clearStatus = (page) => page.evaluate(() => { document.getElementById("status").textContent = ""; });
  const statusSays = (page, re) => page.waitForFunction((src) => new RegExp(src).test(document.getElementById("status").textContent), re.source);

  // ---- the administrator: users
  const admin = await signIn("ADMIN");
  await admin.waitForSelector("#users-table tbody tr");
  check(await admin.evaluate(() => location.hash) === "#/setup", "the administrator lands on #/setup");
  await admin.fill("#new-user-name", "Сидорова Анна Викторовна");
  await admin.fill("#new-user-login", "sidorova");
  await admin.check("#new-user-roles input[data-role=teacher]");
  await admin.check("#new-user-roles input[data-role=class_teacher]");
  await admin.click("#add-user button[type=submit]");
  await statusSays(admin, /добавлен/);
  await admin.fill("#user-search", "сидорова");
  const row = await admin.locator("#users-table tbody tr").allInnerTexts();
  check(row.length === 1 && row[0].includes("Сидорова Анна Викторовна") && row[0].includes("учитель, классный руководитель") &&
    row[0].includes("sidorova"), "the new user is listed by name with the roles in Russian: " + row.join(" | "));
  await shot(admin, "setup-01-users");
  await admin.fill("#new-user-name", "Сидорова Ирина");
  await admin.fill("#new-user-login", "SIDOROVA");
  await admin.check("#new-user-roles input[data-role=teacher]");
  await admin.click("#add-user button[type=submit]");
  await admin.waitForSelector("#add-user .form-error");
  const dup = await admin.locator("#add-user .form-error").innerText();
  check(dup.includes("R-ACC-4"), "a login taken without regard to case is refused next to the form with its rule: " + dup);

  // ---- classes
  await admin.click("nav.tabs a[data-tab=classes]");
  await admin.waitForSelector("#add-class");
  await admin.selectOption("#new-class-grade", "6");
  await admin.fill("#new-class-letter", "б");
  await admin.selectOption("#new-class-teacher", { label: "Сидорова Анна Викторовна" });
  await admin.click("#add-class button[type=submit]");
  await statusSays(admin, /Класс 6Б создан/);
  const labels = await admin.locator("#classes-table tbody tr td:first-child").allInnerTexts();
  check(labels.join(",") === "1А,3А,6А,6Б,9А", "the classes are listed in Russian order with the new one: " + labels.join(","));
  const sixB = await admin.locator("#classes-table tbody tr", { hasText: "6Б" }).innerText();
  check(sixB.includes("Сидорова Анна Викторовна"), "the new class shows its class teacher by name");
  await shot(admin, "setup-02-classes");

  // ---- a student and a parent added, the student enrolled, the parent linked
  for (const [name, login, role] of [["Петров Пётр", "petrov.p", "student"], ["Петрова Мария Ивановна", "petrova.mi", "parent"]]) {
    await admin.click("nav.tabs a[data-tab=users]");
    await admin.waitForSelector("#add-user");
    await admin.fill("#new-user-name", name);
    await admin.fill("#new-user-login", login);
    await admin.check(`#new-user-roles input[data-role=${role}]`);
    await clearStatus(admin);
    await admin.click("#add-user button[type=submit]");
    await statusSays(admin, /добавлен/);
  }
  await admin.click("nav.tabs a[data-tab=classes]");
  await admin.waitForSelector("#enrol-form");
  await admin.selectOption("#enrol-student", { label: "Петров Пётр (petrov.p)" });
  await admin.selectOption("#enrol-class", { label: "3А" });
  await admin.click("#enrol-form button[type=submit]");
  await statusSays(admin, /зачислен/);
  check((await admin.locator("#classes-table tbody tr", { hasText: "3А" }).innerText()).includes("21"),
    "the enrolled student is counted in the class");
  await admin.selectOption("#link-parent", { label: "Петрова Мария Ивановна (petrova.mi)" });
  await admin.selectOption("#link-student", { label: "Петров Пётр (3А, petrov.p)" });
  await admin.click("#guardian-form button[type=submit]");
  await statusSays(admin, /законный представитель/);
  await admin.click("nav.tabs a[data-tab=users]");
  await admin.fill("#user-search", "Петров");
  const family = await admin.locator("#users-table tbody").innerText();
  check(family.includes("Петров Пётр\tученик\tpetrov.p\t3А") && family.includes("Петрова Мария Ивановна\tродитель\tpetrova.mi\tПетров Пётр"),
    "the users table shows the student's class and the parent's child by name");

  // ---- a group of a class, a move into home schooling, a parent's link ended, leaving, a load ended
  await admin.click("nav.tabs a[data-tab=groups]");
  await admin.waitForSelector("#group-form");
  await admin.selectOption("#group-class", { label: "3А" });
  await admin.dispatchEvent("#group-class", "change");
  await admin.selectOption("#group-subject", { label: "Английский язык" });
  await admin.fill("#group-name", "Английский язык, 1 группа");
  await admin.check("#group-members input[name=member] >> nth=0");
  await admin.check("#group-members input[name=member] >> nth=1");
  await admin.click("#group-form button[type=submit]");
  await statusSays(admin, /Группа «Английский язык, 1 группа» \(3А\): 2 уч\./);
  const groupRow = await admin.locator("#groups-table tbody tr", { hasText: "Английский язык, 1 группа" }).innerText();
  check(groupRow.startsWith("3А") && !/s-\d/.test(groupRow) && groupRow.split(",").length >= 3,
    "the group is listed with its class and members by name: " + groupRow);
  await admin.click("nav.tabs a[data-tab=movement]");
  await admin.waitForSelector("#move-form");
  await admin.selectOption("#move-student", { label: "Петров Пётр (3А, petrov.p)" });
  await admin.selectOption("#move-class", { label: "6Б" });
  await admin.check("#move-home");
  await admin.fill("#move-order", "Приказ № 80");
  await admin.click("#move-form button[type=submit]");
  await statusSays(admin, /Петров Пётр: с 18\.11\.2026 — 6Б, обучение на дому/);
  await admin.selectOption("#unlink-pair", { label: "Петрова Мария Ивановна — Петров Пётр" });
  await admin.fill("#unlink-reason", "Связь указана по ошибке");
  await admin.click("#unlink-form button[type=submit]");
  await statusSays(admin, /больше не видит дневник ученика Петров Пётр/);
  await admin.selectOption("#leave-student", { label: "Петров Пётр (6Б, petrov.p)" });
  await admin.fill("#leave-on", "2026-11-25");
  await admin.selectOption("#leave-reason", "1");
  await admin.fill("#leave-comment", "МБОУ СОШ № 2");
  await admin.click("#leave-form button[type=submit]");
  await statusSays(admin, /Петров Пётр выбыл\(а\) с 25\.11\.2026/);
  const firstGradeLoad = await admin.evaluate(() =>
    [...document.querySelectorAll("#end-load option")].find((o) => o.textContent.startsWith("1А, ")).value);
  await admin.selectOption("#end-load", firstGradeLoad);
  await admin.fill("#end-load-from", "2026-12-01");
  await admin.click("#end-load-form button[type=submit]");
  await statusSays(admin, /Нагрузка снята с 01\.12\.2026: 1А, /);
  await shot(admin, "setup-02b-movement");
  await admin.click("nav.tabs a[data-tab=users]");
  await admin.waitForSelector("#deactivate-form");
  await admin.selectOption("#deactivate-user", { label: "Петрова Мария Ивановна (родитель)" });
  await admin.fill("#deactivate-reason", "Ребёнок выбыл");
  await admin.click("#deactivate-form button[type=submit]");
  await statusSays(admin, /отключён/);
  await admin.fill("#user-search", "Петрова Мария");
  check((await admin.locator("#users-table tbody tr").innerText()).includes("нет — Ребёнок выбыл"),
    "a deactivated user is listed with the reason");

  // ---- roles, a subject renamed, a holiday, the КТП
  await admin.click("nav.tabs a[data-tab=users]");
  await admin.waitForSelector("#roles-form");
  await admin.selectOption("#roles-user", { label: "Сидорова Анна Викторовна (sidorova)" });
  check((await admin.locator("#roles-set input:checked").evaluateAll((x) => x.map((c) => c.dataset.role))).join(",") ===
    "teacher,class_teacher", "the roles form ticks the user's roles as they are");
  await admin.check("#roles-set input[data-role=methodist]");
  await admin.click("#roles-form button[type=submit]");
  await statusSays(admin, /Роли пользователя/);
  await admin.fill("#user-search", "sidorova");
  check((await admin.locator("#users-table tbody tr").innerText()).includes("методист, учитель, классный руководитель"),
    "the changed roles are listed");
  await admin.click("nav.tabs a[data-tab=subjects]");
  await admin.waitForSelector("#add-subject");
  await admin.selectOption("#subject-which", { label: "Музыка" });
  await admin.fill("#new-subject-short", "Муз.");
  await admin.click("#add-subject button[type=submit]");
  await statusSays(admin, /сохранён/);
  check((await admin.locator("#subjects-table tr", { hasText: "Музыка" }).innerText()).includes("Муз."), "a subject is renamed");
  await admin.click("nav.tabs a[data-tab=year]");
  await admin.waitForSelector("#holiday-form");
  await admin.fill("#holiday-from", "2026-12-01");
  await admin.fill("#holiday-to", "2026-12-02");
  await admin.fill("#holiday-name", "Карантин по гриппу");
  await admin.check("#holiday-form input[name=class] >> nth=0");
  await admin.click("#holiday-form button[type=submit]");
  await statusSays(admin, /объявлены/);
  const hol = await admin.locator("table.holidays tr", { hasText: "Карантин по гриппу" }).innerText();
  check(hol.includes("01.12.2026 — 02.12.2026") && hol.includes("карантин") && hol.includes("1А"),
    "the declared days off are listed with their dates, kind and class: " + hol);
  const ktp = path.join(data, "ktp.csv");
  writeFileSync(ktp, "№;Тема урока;Кол-во часов\n1;Натуральные числа;1\n2;Сложение и вычитание;2\n");
  await admin.click("nav.tabs a[data-tab=import]");
  await admin.selectOption("#plan-class", { label: "6А" });
  await admin.selectOption("#plan-load", { index: 0 });
  await admin.selectOption("#plan-term", "3");
  await admin.setInputFiles("#plan-file", ktp);
  await admin.click("#plan-form button[type=submit]");
  await admin.waitForSelector("#import-preview .proposal-record");
  check((await admin.locator("#import-preview").innerText()).includes("тема 2 «Сложение и вычитание», 2 ч"), "the КТП dry run lists the topics");
  await admin.click("#import-preview .proposal-record");
  await statusSays(admin, /Записано событий: 1\./);

  // ---- the roster import: a refused file records nothing; a good one is recorded with its contacts
  const bad = path.join(data, "bad.csv"), good = path.join(data, "good.csv");
  writeFileSync(bad, "Фамилия;Имя;Класс;ФИО родителя;Телефон\n;Дарья;99Я;;\n");
  writeFileSync(good, "Фамилия;Имя;Отчество;Класс;ФИО родителя;Телефон\nНовиков;Артём;Сергеевич;6А;Новикова Елена Павловна;+79161234567\n");
  await admin.click("nav.tabs a[data-tab=import]");
  await admin.setInputFiles("#roster-file", bad);
  await admin.click("#roster-form button[type=submit]");
  await admin.waitForSelector("#import-preview:not([hidden])");
  const refused = await admin.locator("#import-preview").innerText();
  check(refused.includes("R-SET-2") && (await admin.locator("#import-preview .proposal-record").count()) === 0,
    "a refused roster shows the row with its rule and offers nothing to record");
  await admin.setInputFiles("#roster-file", good);
  await admin.click("#roster-form button[type=submit]");
  await admin.waitForSelector("#import-preview .proposal-record");
  check((await admin.locator("#import-preview").innerText()).includes("новый ученик Новиков Артём Сергеевич"),
    "the dry run says what the row becomes");
  await shot(admin, "setup-03-import");
  await clearStatus(admin);
  await admin.click("#import-preview .proposal-record");
  await statusSays(admin, /Записано событий/);
  const imported = await statusText(admin);
  check(/Записано событий: \d+\./.test(imported) && imported.includes("Контакты сохранены на сервере школы: 1") &&
    !imported.includes("Отказано"), "the import is recorded and its contacts stored: " + imported);

  // ---- the methodist: a slot, the lessons from the timetable, the slot removed
  const methodist = await signIn("METHODIST");
  await methodist.goto(url + "/#/schedule");
  await methodist.waitForSelector("#schedule-grid");
  await methodist.selectOption("#schedule-class", { label: "6А" });
  await methodist.waitForFunction(() => (document.querySelector("#schedule-week h2") || { textContent: "" }).textContent.startsWith("6А"));
  await methodist.selectOption("#slot-load", { index: 0 });
  const loadText = await methodist.locator("#slot-load option:checked").innerText();
  const subject = loadText.split(" (")[0].split(" — ")[0];
  await methodist.selectOption("#slot-weekday", "1");
  await methodist.selectOption("#slot-period", "8");
  await methodist.fill("#slot-room", "21");
  await methodist.fill("#slot-from", "2026-11-23");
  await methodist.click("#add-slot button[type=submit]");
  await statusSays(methodist, /добавлен в расписание/);
  await methodist.selectOption("#slot-weekday", "1");
  await methodist.selectOption("#slot-period", "8");
  await methodist.fill("#slot-from", "2026-11-23");
  await methodist.click("#add-slot button[type=submit]");
  await methodist.waitForSelector("#add-slot .form-error");
  check((await methodist.locator("#add-slot .form-error").innerText()).includes("R-SET-3"),
    "a clashing slot is refused next to the form with R-SET-3");
  await methodist.fill("#schedule-on", "2026-11-23");
  await methodist.dispatchEvent("#schedule-on", "change");
  await methodist.waitForFunction(() => (document.querySelector("#schedule-week h2") || { textContent: "" }).textContent.includes("23.11.2026"));
  const cell = await methodist.locator("td[data-weekday='1'][data-period='8']").innerText();
  check(cell.includes(subject) && cell.includes("каб. 21"), "the week grid shows the new slot by subject and room: " + cell);
  await methodist.fill("#generate-from", "2026-11-23");
  await methodist.fill("#generate-to", "2026-11-30");
  await methodist.click("#generate-form button[type=submit]");
  await methodist.waitForSelector("#generate-preview .proposal-record");
  const preview = await methodist.locator("#generate-preview").innerText();
  check(preview.includes("Новых уроков: 2") && preview.includes("пн, 23.11.2026, 6А") && preview.includes("пн, 30.11.2026, 6А"),
    "the generation previews the two new lessons by date and class");
  await shot(methodist, "setup-04-generate");
  await methodist.click("#generate-preview .proposal-record");
  await statusSays(methodist, /Записано событий/);
  check((await statusText(methodist)) === "Записано событий: 2.", "the lessons are recorded: " + await statusText(methodist));
  await methodist.fill("#generate-from", "2026-11-23");
  await methodist.fill("#generate-to", "2026-11-30");
  await methodist.click("#generate-form button[type=submit]");
  await methodist.waitForSelector("#generate-preview:not([hidden])");
  check((await methodist.locator("#generate-preview").innerText()).includes("Новых уроков: 0"),
    "generating again proposes no new lessons");
  // From 30.11 the lesson moves to room 22 and to the 2nd weeks of a two-week timetable (the year
  // starts in the week of 31.08: 30.11 is week 14, 07.12 week 15).
  await methodist.click("td[data-weekday='1'][data-period='8'] .slot-change");
  check((await methodist.locator("#add-slot h2").innerText()).startsWith("Изменить с даты: " + subject),
    "«изменить» fills the form with the slot");
  await methodist.fill("#slot-room", "22");
  await methodist.selectOption("#slot-weeks", "2");
  await methodist.fill("#slot-from", "2026-11-30");
  await methodist.click("#add-slot button[type=submit]");
  await statusSays(methodist, /Расписание изменено с 30\.11\.2026/);
  await methodist.fill("#generate-from", "2026-11-23");
  await methodist.fill("#generate-to", "2026-12-07");
  await methodist.click("#generate-form button[type=submit]");
  await methodist.waitForSelector("#generate-preview .proposal-record");
  const changed = await methodist.locator("#generate-preview").innerText();
  check(changed.includes("Новых уроков: 1") && changed.includes("пн, 30.11.2026, 6А") && changed.includes("каб. 22") &&
    changed.includes("отмена урока"),
    "after the change the 30.11 lesson is re-made in room 22, the odd week of 07.12 has none: " + changed);
  await methodist.click("#generate-preview .proposal-record");
  await statusSays(methodist, /Записано событий/);
  await methodist.fill("#schedule-on", "2026-12-07");
  await methodist.dispatchEvent("#schedule-on", "change");
  await methodist.waitForFunction(() => (document.querySelector("#schedule-week h2") || { textContent: "" }).textContent.includes("07.12.2026"));
  const later = await methodist.locator("td[data-weekday='1'][data-period='8']").innerText();
  check(later.includes(subject) && later.includes("каб. 22") && later.includes("2-я неделя") && !later.includes("каб. 21"),
    "from the date the grid shows the changed slot only: " + later);
  await shot(methodist, "setup-05-schedule");
  await methodist.fill("#remove-from", "2026-12-14");
  await methodist.click("td[data-weekday='1'][data-period='8'] .slot-remove");
  await statusSays(methodist, /убран из расписания с 14\.12\.2026/);
  await methodist.fill("#schedule-on", "2026-12-14");
  await methodist.dispatchEvent("#schedule-on", "change");
  await methodist.waitForFunction(() => (document.querySelector("#schedule-week h2") || { textContent: "" }).textContent.includes("14.12.2026"));
  check(!(await methodist.locator("td[data-weekday='1'][data-period='8']").innerText()).includes(subject),
    "the removed slot is gone from the grid after its last day");

  // ---- the director reads the set-up, without forms
  const director = await signIn("DIRECTOR");
  await director.goto(url + "/#/setup?tab=users");
  await director.waitForSelector("#users-table tbody tr");
  check((await director.locator("form#add-user").count()) === 0, "the director reads the users without the forms");
});
