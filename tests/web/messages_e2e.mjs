// Messages and announcements end to end in Debian's chromium against a real ejournald on 127.0.0.1
// (R-MSG-1, R-MSG-2, R-MSG-3): a teacher writes to a parent about a mark; the parent, on a 375-px phone,
// sees the unread count in the header, reads the text as text (markup is never run) and replies;
// the teacher sees the read receipt and the reply; from a journal cell the teacher writes about a
// student to the student's parents and class teacher, chosen for them. The class teacher announces a parents' meeting
// to the class's parents: the parent sees it in the diary, the student and a parent of another
// class do not. The parent's feed («Уведомления») names both, with its count in the header; the
// e-mail settings refuse quiet hours that leave the night open (R-MSG-4). The class teacher asks the
// class's parents a survey; the parent answers from the phone; the class teacher sees it counted.
//
// node messages_e2e.mjs --ejournal BIN --ejournald BIN --web-root DIR --out DIR [--at YYYY-MM-DDTHH:MM]
// Exit 0: passed; 77: skipped (no chromium or no playwright-core); else failed.
import { setOwnPassword } from "../../tools/web_demo.mjs";
import { args, check, demoTest } from "./harness.mjs";

await demoTest({ prefix: "ejournal-messages-", roles: ["TEACHER", "PARENT", "CLASS_TEACHER", "STUDENT", "ADMIN"] }, async ({ env, url, data, password, signIn, shot: snap }) => {
  const shot = (page, name) => snap(page, "messages-" + name);
  // Waits for the status line to say `text`; on a timeout, fails with what the page showed instead.
  const statusHas = (page, text) => page.waitForFunction((t) => document.getElementById("status").textContent.includes(t), text)
    .catch(async (e) => {
      const shown = await page.evaluate(() => [...document.querySelectorAll(".form-error, #status")].map((n) => n.textContent).join(" | "));
      throw new Error(`«${text}» never shown; the page says: ${shown}\n${e.message}`);
    });
  const phone = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true };

  // ---- the teacher writes to the parent of a student of their class
  const teacher = await signIn(env.TEACHER);
  await teacher.goto(url + "/#/messages");
  await teacher.waitForSelector("#compose #msg-to");
  check(await teacher.locator(`#msg-to option[value="${env.PARENT}"]`).count() === 1, "the parent is among the teacher's recipients");
  const parentName = (await teacher.locator(`#msg-to option[value="${env.PARENT}"]`).innerText()).split(" — ")[0];
  await teacher.selectOption("#msg-to", env.PARENT);
  await teacher.fill("#msg-subject", "Отметка за контрольную");
  const text = "Здравствуйте! <img src=x onerror=\"window.__xss=1\"> За контрольную работу «3»: приходите на консультацию в четверг.";
  await teacher.fill("#msg-text", text);
  await teacher.click("#msg-send");
  await statusHas(teacher, "Сообщение отправлено");
  const conversationUrl = teacher.url();
  check((await teacher.locator("article.message.own .read-receipt").innerText()).includes("Не прочитано"),
    "the teacher's own message says it is not read yet");

  // ---- the parent, on a phone: the unread count, the text as text, the reply
  const parent = await signIn(env.PARENT, phone);
  await parent.waitForFunction(() => /Сообщения \(1\)/.test(document.querySelector("#nav a[href='#/messages']").textContent));
  check(true, "the parent's header shows one unread message");
  await parent.goto(url + "/#/messages");
  await parent.waitForSelector("a.conversation.unread");
  await shot(parent, "parent-inbox-375");
  await parent.click("a.conversation.unread");
  await parent.waitForSelector("article.message .text");
  const shown = await parent.locator("article.message .text").first().innerText();
  check(shown === text, "the parent reads the text exactly as written: " + shown);
  check(await parent.evaluate(() => window.__xss === undefined && !document.querySelector("article.message img")),
    "markup in a message is shown as text, never run");
  await parent.waitForFunction(() => document.querySelector("#nav a[href='#/messages']").textContent === "Сообщения");
  check(true, "reading the conversation clears the unread count");
  const overflow = await parent.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, "no sideways scrolling on a 375-px phone: " + overflow);
  await parent.fill("#reply-text", "Спасибо, придём в четверг.");
  await parent.click("#reply-send");
  await statusHas(parent, "Ответ отправлен");
  await shot(parent, "parent-conversation-375");

  // ---- from the journal's cell: a message about the student, to the parents and the class teacher
  const tme = await teacher.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  const loadIndex = tme.loads.findIndex((l) => l.class_id === env.CLASS && l.subject_id === env.SUBJECT && !l.subgroup_id);
  await teacher.goto(`${url}/#/journal?load=${loadIndex}`);
  await teacher.waitForSelector(`td.cell button[data-student="${env.STUDENT}"]`);
  await teacher.click(`td.cell button[data-student="${env.STUDENT}"]`);
  await teacher.click("#tell-family");
  await teacher.waitForSelector("#compose #msg-to");
  const chosen = await teacher.$$eval("#msg-to option:checked", (os) => os.map((o) => o.value));
  check(chosen.includes(env.PARENT) && chosen.includes(env.CLASS_TEACHER) && !chosen.includes(env.STUDENT),
    "«Сообщить родителям и классному руководителю» chooses the student's parents and class teacher: " + chosen.join(", "));

  // ---- the teacher: the read receipt and the reply
  await teacher.goto(conversationUrl);
  await teacher.reload();
  await teacher.waitForFunction(() => document.querySelectorAll("article.message").length === 2);
  const receipt = await teacher.locator("article.message.own .read-receipt").first().innerText();
  check(receipt.includes("Прочитано: " + parentName), "the teacher sees the parent read it: " + receipt);
  check((await teacher.locator("article.message:not(.own) .text").innerText()).includes("придём"), "the teacher reads the reply");
  await shot(teacher, "teacher-conversation");

  // ---- the class teacher announces a parents' meeting to the class's parents
  const ct = await signIn(env.CLASS_TEACHER);
  await ct.goto(url + "/#/news");
  await ct.waitForSelector("#announce #ann-kind");
  await ct.selectOption("#ann-kind", "parents");
  await ct.selectOption("#ann-class", env.CLASS);
  await ct.fill("#ann-title", "Родительское собрание");
  await ct.fill("#ann-text", "Собрание в четверг в 18:00, кабинет 12.");
  await ct.click("#ann-send");
  await statusHas(ct, "Объявление опубликовано");
  await shot(ct, "class-teacher-news");
  // A second one, published by mistake and taken back with the reason.
  await ct.fill("#ann-title", "Ошибочное объявление");
  await ct.fill("#ann-text", "Не читайте.");
  await ct.click("#ann-send");
  await statusHas(ct, "Объявление опубликовано");
  const wrong = ct.locator("article.announcement", { hasText: "Ошибочное объявление" });
  await wrong.locator("button", { hasText: "Снять объявление" }).click();
  check((await wrong.locator(".form-error").innerText()).includes("почему"), "taking it back without a reason is refused on its card");
  await wrong.locator(".withdraw-reason").fill("опубликовано по ошибке");
  await wrong.locator("button", { hasText: "Снять объявление" }).click();
  await statusHas(ct, "Объявление снято");
  check((await ct.locator("article.announcement.withdrawn").innerText()).includes("опубликовано по ошибке"),
    "the withdrawn announcement says why");

  await parent.goto(url + "/#/diary");
  await parent.waitForSelector("#latest-announcements");
  check((await parent.locator("#latest-announcements").innerText()).includes("Родительское собрание"),
    "the parent sees the announcement in the diary");
  check(!(await parent.locator("#latest-announcements").innerText()).includes("Ошибочное"),
    "a withdrawn announcement leaves the diary");
  await shot(parent, "parent-diary-news-375");
  const student = await signIn(env.STUDENT);
  await student.goto(url + "/#/news");
  await student.waitForSelector("main h1");
  await student.waitForFunction(() => window.__inFlight === 0 || window.__inFlight === undefined);
  await student.waitForSelector("#announcements");
  check(!(await student.locator("#announcements").innerText()).includes("Родительское собрание"),
    "the announcement for parents does not reach the student");
  // A parent of another class: not in the audience.
  const admin = await signIn(env.ADMIN);
  const setup = await admin.evaluate((p) => fetch(p).then((r) => r.json()), `/api/v1/schools/${env.SCHOOL}/setup`);
  const classOf = new Map(setup.users.filter((u) => u.class_id).map((u) => [u.user.user_id, u.class_id]));
  const other = setup.users.find((u) => (u.children || []).length && u.active &&
    u.children.every((c) => classOf.get(c) && classOf.get(c) !== env.CLASS));
  check(!!other, "the school has a parent of another class");
  if (other) {
    setOwnPassword(args.ejournal, { url, data, school: env.SCHOOL, user: other.user.user_id, password });
    const stranger = await signIn(other.user.user_id);
    const seen = await stranger.evaluate((p) => fetch(p).then((r) => r.json()), `/api/v1/schools/${env.SCHOOL}/announcements`);
    check(!seen.announcements.some((a) => a.title === "Родительское собрание"), "a parent of another class does not get it");
  }

  // ---- notifications (R-MSG-4): the parent's feed holds the message and the announcement
  await parent.goto(url + "/#/diary");
  await parent.waitForFunction(() => /Уведомления \(\d+\)/.test(document.querySelector("#nav a[href='#/notifications']").textContent),
    null, { timeout: 15000 });
  check(true, "the parent's header counts new notifications");
  await parent.goto(url + "/#/notifications");
  await parent.waitForSelector("#feed a.notice");
  const feed = await parent.locator("#feed").innerText();
  check(feed.includes("Новое сообщение от") && feed.includes("Объявление"), "the feed names the message and the announcement: " + feed.slice(0, 300));
  check(!/\b(s|p|t)-\d{3,}/.test(feed), "the feed shows names, not ids");
  await parent.waitForFunction(() => document.querySelector("#nav a[href='#/notifications']").textContent === "Уведомления");
  check(true, "opening the feed clears its count");
  // E-mail settings: night must stay quiet; an address is needed for mail.
  await parent.fill("#notify-email", "parent@example.test");
  await parent.check("#notify-settings input[value=mark]");
  await parent.fill("#notify-quiet-from", "23:30");
  await parent.click("#notify-save");
  await parent.waitForSelector("#notify-settings .form-error");
  const refusal = await parent.locator("#notify-settings .form-error").innerText();
  check(refusal.includes("тихие часы") && refusal.includes("R-MSG-4"), "quiet hours that leave the night open are refused in Russian: " + refusal);
  await parent.fill("#notify-quiet-from", "21:00");
  await parent.click("#notify-save");
  await statusHas(parent, "Настройки сохранены");
  check(await parent.locator("#notify-settings input[value=mark]").isChecked(), "the chosen kind is kept");
  await shot(parent, "parent-notifications-375");

  // ---- a survey of the class's parents (R-MSG-2): asked, answered once from the phone, counted
  await ct.goto(url + "/#/surveys");
  await ct.waitForSelector("#ask #survey-question");
  await ct.selectOption("#survey-class", env.CLASS);
  await ct.fill("#survey-question", "Когда удобнее провести собрание?");
  await ct.fill("#survey-options", "В среду\nВ четверг\nВ субботу");
  await ct.click("#survey-send");
  await statusHas(ct, "Опрос отправлен");
  await parent.goto(url + "/#/surveys");
  await parent.waitForSelector("article.survey form.answer");
  check((await parent.locator("article.survey").first().innerText()).includes("Когда удобнее"), "the parent sees the question");
  await parent.locator("article.survey form.answer label", { hasText: "В четверг" }).first().click();
  await parent.locator("article.survey form.answer button").first().click();
  await statusHas(parent, "Ответ записан");
  check((await parent.locator("article.survey .my-answer").first().innerText()).includes("В четверг"), "the parent sees their answer");
  await shot(parent, "parent-survey-375");
  await ct.goto(url + "/#/surveys?r=1");
  await ct.waitForSelector("article.survey .answered");
  const counted = await ct.locator("article.survey").first().innerText();
  check(/Ответили 1 из \d+ семей/.test(counted), "the class teacher sees one family answered: " + counted);
  await shot(ct, "class-teacher-survey");
});
