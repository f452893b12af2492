// The journal's editors end to end in Debian's chromium against a real ejournald on 127.0.0.1.
// Late records: a record refused because its window has passed (R-ATT-1, R-MARK-3, R-LES-3,
// R-HW-1) is requested from the same cell or form (R-COR-1), shows in the teacher's journal as
// awaiting the deputy, and the deputy sees what the cell shows now beside what is proposed. An
// absence entered a day late is approved and the parent sees it in the diary; a late mark is
// rejected with a reason and the cell stays as it was. Homework files: the teacher attaches a file
// to the next lesson's homework (a file of a type not accepted is refused beside the form), and the
// parent downloads exactly its bytes from the diary.
//
// node journal_e2e.mjs --ejournal BIN --ejournald BIN --web-root DIR --out DIR [--at YYYY-MM-DDTHH:MM]
// Exit 0: passed; 77: skipped (no chromium or no playwright-core); else failed.
import { check, demoTest } from "./harness.mjs";

const iso = (d) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;

await demoTest({ prefix: "ejournal-journal-", roles: ["TEACHER", "PARENT", "DEPUTY"] }, async ({ env, url, signIn: as, shot: snap }) => {
  const shot = (page, name) => snap(page, "journal-" + name);
  const signIn = (role) => as(env[role]);
  const russian = (t) => /[А-Яа-яЁё]/.test(t) && !/[A-Za-z]{4,}/.test(t.replace(/R-[A-Z]+-\d+/g, ""));

  // ---- the teacher: the class-subject of the walkthrough, a lesson of an earlier day
  const teacher = await signIn("TEACHER");
  const tme = await teacher.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  const loadIndex = tme.loads.findIndex((l) => l.class_id === env.CLASS && l.subject_id === env.SUBJECT);
  const load = tme.loads[loadIndex];
  const term = load.current_term || load.terms[0];
  const journal = await teacher.evaluate((p) => fetch(p).then((r) => r.json()),
    `/api/v1/schools/${env.SCHOOL}/classes/${load.class_id}/subjects/${load.subject_id}/terms/${term}/journal` +
    (load.subgroup_id ? "?subgroup=" + encodeURIComponent(load.subgroup_id) : ""));
  const cellOf = (lesson, student) => {
    const row = (journal.rows || []).find((r) => r.student_id === student);
    return row && (row.cells || []).find((c) => c.lesson_id === lesson);
  };
  // The latest lesson before the walkthrough's day where the student was present and unmarked.
  const earlier = (journal.lessons || []).filter((l) => !l.cancelled && iso(l.date) < env.LESSON_DATE)
    .filter((l) => { const c = cellOf(l.lesson_id, env.STUDENT); return !c || (!c.attendance && !(c.marks || []).length); });
  const past = earlier[earlier.length - 1];
  check(!!past, "the journal has an earlier lesson with an empty cell of the student");
  if (!past) throw new Error("no earlier lesson");
  const pastDate = iso(past.date);
  await teacher.goto(`${url}/#/journal?load=${loadIndex}&term=${term}`);
  await teacher.waitForSelector("table.grid");
  const cell = `td.cell button[data-lesson="${past.lesson_id}"][data-student="${env.STUDENT}"]`;
  await teacher.click(cell);
  await teacher.click("#absent");
  await teacher.waitForSelector("#attendance-form .form-error");
  const refusal = await teacher.locator("#attendance-form .form-error").innerText();
  check(refusal.includes("R-ATT-1") && russian(refusal), "a day-late absence is refused next to its buttons, in Russian: " + refusal);
  check(await teacher.locator("#attendance-form .late-request").isVisible(), "the refusal offers the request to the deputy in place");
  await teacher.click("#attendance-form .late-send");
  check((await teacher.locator("#attendance-form .form-error").innerText()).includes("причину"),
    "a request without a reason is refused in place");
  await teacher.fill("#attendance-form .late-reason", "Отсутствовал, отметить забыл: журнал был недоступен");
  await teacher.click("#attendance-form .late-send");
  await teacher.waitForFunction(() => document.getElementById("status").textContent.includes("Заявка отправлена завучу"));
  await teacher.waitForSelector(`td.cell.pending ${cell.replace("td.cell ", "")}`);
  const pendingText = await teacher.locator(cell).innerText();
  check(pendingText.includes("(н)"), "the cell shows the requested absence as awaiting the deputy: " + pendingText);

  // A late mark on the same cell: refused by R-MARK-3, requested in the mark's form.
  await teacher.click(cell);
  check((await teacher.locator(".pending-line").innerText()).includes("отсутствие"),
    "the cell's editor names the request awaiting the deputy");
  await teacher.fill("#mark-value", "5");
  await teacher.click("#mark-submit");
  await teacher.waitForSelector("#mark-form .late-request");
  check((await teacher.locator("#mark-form .form-error").innerText()).includes("R-MARK-3"), "a late mark is refused by R-MARK-3 in its form");
  await teacher.fill("#mark-form .late-reason", "Работа сдана с опозданием по болезни");
  await teacher.press("#mark-form .late-reason", "Enter");
  await teacher.waitForFunction(() => document.getElementById("status").textContent.includes("Заявка отправлена завучу"));
  await teacher.waitForFunction((sel) => document.querySelector(sel) && document.querySelector(sel).innerText.includes("5"), cell);

  // A late topic from the lesson's own editor (R-LES-3), when the lesson has none recorded.
  if (!past.topic) {
    await teacher.click(`th[data-lesson="${past.lesson_id}"] button`);
    await teacher.fill("#topic", "Повторение пройденного");
    await teacher.click("#topic-form button[type=submit]");
    await teacher.waitForSelector("#topic-form .late-request");
    check((await teacher.locator("#topic-form .form-error").innerText()).includes("R-LES-3"), "a late topic is refused by R-LES-3 in its form");
    await teacher.fill("#topic-form .late-reason", "Тему не записал в день урока");
    await teacher.click("#topic-form .late-send");
    await teacher.waitForSelector(`th.pending[data-lesson="${past.lesson_id}"]`);
    check(true, "the lesson's column shows its topic as awaiting the deputy");
  }
  await shot(teacher, "teacher-pending");

  // ---- homework with a file, for the next lesson (homework may be entered in advance, R-HW-1)
  const next = (journal.lessons || []).find((l) => !l.cancelled && iso(l.date) > env.LESSON_DATE);
  check(!!next, "the journal has a lesson after today's");
  const pdf = "%PDF-1.4\n% Задачи 1–5, стр. 45\n%%EOF\n";
  if (next) {
    await teacher.click(`th[data-lesson="${next.lesson_id}"] button`);
    await teacher.fill("#homework", "Решить задачи 1–5 на стр. 45");
    await teacher.setInputFiles("#homework-files", { name: "program.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ\x90\x00") });
    await teacher.click("#homework-form button[type=submit]");
    await teacher.waitForSelector("#homework-form .form-error");
    check((await teacher.locator("#homework-form .form-error").innerText()).includes("program.exe"),
      "a file of a type the school does not accept is refused beside the homework form, by name");
    await teacher.setInputFiles("#homework-files", { name: "задачи.pdf", mimeType: "application/pdf", buffer: Buffer.from(pdf) });
    await teacher.click("#homework-form button[type=submit]");
    await teacher.waitForFunction(() => document.getElementById("status").textContent.includes("Домашнее задание записано"));
    check(true, "the homework with its file is recorded");
  }

  // ---- the deputy: what the cell shows now beside the proposal; approve the absence, reject the mark
  const deputy = await signIn("DEPUTY");
  await deputy.goto(url + "/#/corrections");
  await deputy.waitForSelector("article.card");
  const cardFor = (text) => deputy.locator("article.card", { has: deputy.locator(".proposed-value", { hasText: text }) });
  const absence = cardFor("отсутствие");
  await absence.locator(".current-value").filter({ hasNotText: "…" }).waitFor();
  check((await absence.locator(".current-value").innerText()).includes("пусто"), "the deputy sees the cell is empty now");
  check((await absence.locator("h2").innerText()).includes("после срока"), "the deputy's card says the record comes after its window");
  await shot(deputy, "deputy-queue");
  await absence.locator("button.approve").click();
  await deputy.waitForFunction(() => document.getElementById("status").textContent.includes("одобрено"));
  const mark = cardFor("5 —");
  await mark.locator("button.reject").click();
  check((await mark.locator(".form-error").innerText()).includes("причину"), "a rejection without a reason is refused on its card");
  await mark.locator(".decision-reason").fill("Работа не сдавалась");
  await mark.locator("button.reject").click();
  await deputy.waitForFunction(() => document.getElementById("status").textContent.includes("отклонено"));

  // ---- the teacher's cell now holds the absence, no longer pending, and no mark
  await teacher.goto(`${url}/#/journal?load=${loadIndex}&term=${term}&r=1`);
  await teacher.waitForSelector(cell);
  const after = await teacher.locator(cell).innerText();
  check(after.trim() === "н", "after the decisions the cell shows the approved absence only: " + after);

  // ---- the parent sees the absence in the diary's week of that lesson
  const parent = await signIn("PARENT");
  await parent.goto(`${url}/#/diary?student=${env.STUDENT}&week=${pastDate}`);
  await parent.waitForSelector(`.diary-mark[data-lesson="${past.lesson_id}"]`);
  check((await parent.locator(`.diary-mark[data-lesson="${past.lesson_id}"]`).innerText()).includes("н"),
    "the parent's diary shows the approved late absence");
  await shot(parent, "parent-diary");
  if (next) {
    await parent.goto(`${url}/#/diary?student=${env.STUDENT}&week=${iso(next.date)}`);
    const link = parent.locator("a.homework-file", { hasText: "задачи.pdf" });
    await link.waitFor();
    const got = await parent.evaluate(async (href) => { const r = await fetch(href); return { status: r.status, text: await r.text(),
      type: r.headers.get("content-type") }; }, await link.getAttribute("href"));
    check(got.status === 200 && got.text === pdf && got.type.startsWith("application/pdf"),
      "the parent downloads exactly the file the teacher attached: " + got.status);
    await shot(parent, "parent-homework-file");
  }
});
