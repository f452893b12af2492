// A tour of every page a person sees: Debian's chromium driven by playwright-core against a real
// ejournald on the demo school, at the same fixed moment as e2e.mjs. Every role of the demo's
// walkthrough signs in and opens every entry of the header's navigation (and every tab of a page
// with tabs), at a desktop width (1366 px) and a phone's (375 px). Each page, once its data is in,
// must speak Russian with names (CONVENTIONS.md, "Russian for people, ids for machines"):
//   - no internal id is shown: a student's (s-00001), a parent's (p-00001), a teacher's (t-001),
//     a class's (c05-1, also inside lesson and load ids), a credential's (key-…, sess-…), any
//     other user's id of the school, or a subject's code (math, russian, pe, …) as a word;
//   - no English sentence (three ASCII words in a row), but for the proper names in PROPER_NAMES;
//   - at 375 px the document is no wider than the screen (no sideways scrolling of the page; a
//     wide table scrolls inside its own box).
// A screenshot of each role × page × width is kept in --out (tour-<role>-<page>-<width>.png).
//
// node tour_e2e.mjs --ejournal BIN --ejournald BIN --web-root DIR --out DIR [--chromium PATH]
// Exit 0: passed; 77: skipped (no chromium or no playwright-core); else failed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { chromiumOptions, readWalkthrough, setOwnPassword, startServer } from "../../tools/web_demo.mjs";
import { args, check, chromium, chromiumPath, clockedPage, tally } from "./harness.mjs";

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${argv.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

// The walkthrough's keys that name a demo user, in the order of the tour; a key the demo does
// not write (e.g. no STUDENT) is skipped.
const ROLES = ["TEACHER", "CLASS_TEACHER", "PARENT", "STUDENT", "DEPUTY", "DIRECTOR", "AUDITOR",
  "METHODIST", "SECRETARY", "ADMIN"];
const WIDTHS = [{ width: 1366, height: 900 }, { width: 375, height: 800 }];

// Ids of the demo's shapes (tools/synth/school_generator.cc); a class id also inside a lesson's
// ("L-c06-1-20261117-5") or a load's ("load-c06-1-pe").
const ID_PATTERNS = [
  [/\bs-\d{5}\b/, "id ученика"],
  [/\bp-\d{5}b?\b/, "id родителя"],
  [/\bt-\d{3}\b/, "id учителя"],
  [/\bc\d{2}-\d+\b/, "id класса"],
  [/\b(key|sess)-[\w-]+/, "id ключа"],
];
// Words in Latin letters a Russian page may show: proper names of formats and standards, which
// have no Russian name people use instead.
const PROPER_NAMES = ["OneRoster", "CSV", "PDF", "JSON", "RFC", "Ed25519", "ECDSA", "SHA-256", "P-256",
  "UTF-8", "Excel", "ЕСИА"];
// Three ASCII words in a row: an English sentence or phrase.
const ENGLISH = /\b[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}\b/;
// Texts the server writes in English that a plain visit may still show; each is listed with the
// server's field or message that needs a Russian text, so that this list can be emptied once the
// server sends Russian. Empty: no page shows English from the server on a plain visit.
const KNOWN_SERVER_TEXT = [];
// Ids a page shows because the server's answer has no name for them: [the element (selector), the
// id's pattern, the answer's field that lacks the name]. Only there, and only that pattern, is
// tolerated; the list empties as the answers gain the names.
const KNOWN_SERVER_GAPS = [];
// Where a page may show a Latin or id-like text on purpose:
//   [data-login] — a login (the attribute's value), what a person types to sign in, shown to tell
//            namesakes apart and on the password slips; the demo's logins equal the users' ids
//            ("t-004"), a real school's are the people's own ("sidorova");
//   pre, code — a signed event's JSON and its credential's id, which the ledger shows the auditor
//            verbatim on demand («Подробнее»): there the record itself is the subject, not a label.
const VERBATIM = "pre, code";

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const data = mkdtempSync(path.join(tmpdir(), "ejournal-tour-web-"));
const out = args.out;
mkdirSync(out, { recursive: true });
let server = null;
let browser = null;
try {
  run(args.ejournal, ["demo", "school", "--data", data, "--classes", "4", "--students", "80",
    "--teachers", "10", "--now", "2026-11-18T10:30"]);
  const env = readWalkthrough(data);
  let url;
  ({ server, url } = await startServer(args.ejournald, data, args["web-root"], ["--clock-start", env.NOW_US]));
  const offsetMs = Number(BigInt(env.NOW_US) / 1000n) - Date.now();
  const password = "demo12345";
  const roles = ROLES.filter((r) => env[r]);
  for (const role of roles) setOwnPassword(args.ejournal, { url, data, school: env.SCHOOL, user: env[role], password });
  browser = await chromium.launch({ ...chromiumOptions(chromiumPath),
    args: [...chromiumOptions(chromiumPath).args, "--lang=ru-RU"] });

  async function signIn(role) {
    const page = await clockedPage(browser, offsetMs, role, { viewport: WIDTHS[0] });
    // The page's fetches in flight, so that a page is read once its data is in.
    await page.context().addInitScript(() => {
      const real = window.fetch;
      window.__inFlight = 0;
      window.fetch = (...a) => {
        window.__inFlight++;
        return real(...a).finally(() => { window.__inFlight--; });
      };
    });
    await page.goto(url + "/#/login");
    await page.fill("#school", env.SCHOOL);
    await page.fill("#login", env[role]);
    await page.fill("#password", password);
    await page.press("#password", "Enter");
    await page.waitForSelector("#logout");
    return page;
  }
  // Waits until no fetch is in flight and the page's text has stayed the same for a moment.
  async function settled(page) {
    let last = null;
    for (let i = 0; i < 40; i++) {
      await page.waitForFunction(() => window.__inFlight === 0, null, { timeout: 20000 });
      await page.waitForTimeout(120);
      const text = await page.evaluate(() => window.__inFlight === 0 ? document.body.innerText : null);
      if (text !== null && text === last) return;
      last = text;
    }
  }

  // ---- the icon, served beside the page
  const icon = await fetch(url + "/favicon.svg");
  check(icon.status === 200 && (icon.headers.get("content-type") || "").startsWith("image/svg+xml"),
    "ejournald serves the icon favicon.svg");
  const manifest = await fetch(url + "/manifest.webmanifest");
  const app = manifest.status === 200 ? await manifest.json() : {};
  check((manifest.headers.get("content-type") || "").startsWith("application/manifest+json") &&
    app.name === "Электронный журнал" && app.lang === "ru",
    "ejournald serves the web app manifest, so the diary can go on a phone's home screen");

  // ---- what counts as an id: the subjects' codes and the users' ids, from the set-up view
  const admin = await signIn("ADMIN");
  const setup = await admin.evaluate(async (school) =>
    (await fetch(`/api/v1/schools/${school}/setup`)).json(), env.SCHOOL);
  const subjectIds = (setup.subjects || []).map((s) => s.subject_id).filter(Boolean);
  const userIds = (setup.users || []).map((u) => u.user && u.user.user_id).filter(Boolean);
  check(subjectIds.length >= 5 && userIds.length >= 80,
    `the set-up view lists the subjects (${subjectIds.join(", ")}) and ${userIds.length} users`);
  const idPatterns = [...ID_PATTERNS,
    [new RegExp(`\\b(${subjectIds.map(escape).join("|")})\\b`), "код предмета"],
    // Ids not of the shapes above ("deputy-1", "methodist"), as whole words; a hyphen or a dot
    // next to it makes a longer word ("methodist-2", "methodist.key").
    [new RegExp(`(?<![\\w.-])(${userIds.filter((u) => !ID_PATTERNS.some(([re]) => re.test(u)))
      .map(escape).join("|")})(?![\\w-])`), "id пользователя"]];
  await admin.context().close();

  // The page's text as a person reads it (innerText: only what is rendered), less the verbatim
  // elements' texts (VERBATIM), less the proper names.
  async function readableText(page) {
    const [text, verbatim, gaps] = await page.evaluate(([sel, gapSel]) => [document.body.innerText,
      [...[...document.querySelectorAll(sel)].map((e) => e.innerText),
        ...[...document.querySelectorAll("[data-login]")].map((e) => e.dataset.login)].filter(Boolean),
      gapSel.map((g) => [...document.querySelectorAll(g)].map((e) => e.innerText))],
    [VERBATIM, KNOWN_SERVER_GAPS.map(([g]) => g)]);
    let t = text;
    for (const v of verbatim) t = t.replace(v, " ");
    KNOWN_SERVER_GAPS.forEach(([sel, re, field], i) => {
      for (const inner of gaps[i]) {
        const found = inner.match(re);
        if (found) console.log(`note ${sel}: ${[...new Set(found)].join(", ")} shown as ids, for want of ${field}`);
        t = t.replace(inner, inner.replace(re, " "));
      }
    });
    for (const n of [...PROPER_NAMES, ...KNOWN_SERVER_TEXT]) t = t.split(n).join(" ");
    return t;
  }
  const around = (t, i) => JSON.stringify(t.slice(Math.max(0, i - 40), i + 60).replace(/\s+/g, " "));

  async function inspect(page, role, name, width) {
    await settled(page);
    const where = `${role} ${name} ${width}px`;
    await page.screenshot({ path: path.join(out, `tour-${role.toLowerCase()}-${name}-${width}.png`), fullPage: true });
    const text = await readableText(page);
    const ids = [];
    for (const [re, what] of idPatterns) {
      const m = re.exec(text);
      if (m) ids.push(`${what} «${m[0]}» в ${around(text, m.index)}`);
    }
    check(ids.length === 0, `${where}: no ids shown` + (ids.length ? ": " + ids.join("; ") : ""));
    const en = ENGLISH.exec(text);
    check(!en, `${where}: no English` + (en ? `: «${en[0]}» в ${around(text, en.index)}` : ""));
    if (width < 1000) {
      const [sw, iw, wide] = await page.evaluate(() => {
        const iw = window.innerWidth;
        // The widest elements sticking out of the screen, to name them in the failure.
        const wide = [...document.querySelectorAll("body *")].filter((e) => {
          const r = e.getBoundingClientRect();
          return r.right > iw + 1 && getComputedStyle(e).position !== "fixed" &&
            !e.closest(".scroll, pre, table") && e.checkVisibility();
        }).slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
          (e.className && typeof e.className === "string" ? "." + e.className.split(" ").join(".") : "") +
          ` (${Math.round(e.getBoundingClientRect().right)} px)`);
        return [document.documentElement.scrollWidth, iw, wide];
      });
      check(sw <= iw + 1, `${where}: the page is no wider than the screen (${sw} px of ${iw})` +
        (sw > iw + 1 ? ": " + wide.join(", ") : ""));
    }
  }

  // ---- the tour: each role, each width, each entry of the navigation and each tab
  for (const role of roles) {
    const page = await signIn(role);
    for (const size of WIDTHS) {
      await page.setViewportSize(size);
      await settled(page);
      const links = await page.$$eval("#nav a[href^='#/']", (as) => as.map((a) => a.getAttribute("href")));
      check(links.length > 0, `${role} ${size.width}px: the navigation offers ${links.join(" ")}`);
      for (const href of links) {
        const name = href.slice(2);
        await page.click(`#nav a[href='${href}']`);
        await page.waitForFunction((h) => location.hash === h, href);
        await inspect(page, role, name, size.width);
        const tabs = await page.$$eval("main nav.tabs a[data-tab]", (as) => as.map((a) => a.dataset.tab));
        for (const tab of tabs.slice(1)) {
          await page.click(`main nav.tabs a[data-tab='${tab}']`);
          await inspect(page, role, `${name}-${tab}`, size.width);
        }
        // Every report, not only the one the page opens on.
        const kinds = await page.$$eval("#report-kind option", (os) => os.map((o) => o.value));
        for (const kind of kinds.slice(1)) {
          await page.selectOption("#report-kind", kind);
          await page.waitForFunction((k) => location.hash.includes("kind=" + k), kind);
          await inspect(page, role, `${name}-${kind}`, size.width);
        }
      }
    }
    await page.context().close();
  }
} catch (e) {
  check(false, "the tour ran to the end: " + (e.stack || e));
} finally {
  if (browser) await browser.close();
  if (server) {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
  }
  rmSync(data, { recursive: true, force: true });
}
console.log(tally.failures ? `${tally.failures} checks FAILED` : "all checks passed");
process.exit(tally.failures ? 1 : 0);
