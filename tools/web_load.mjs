// How long the teacher's journal page takes to load in Chromium on localhost ("loads in
// under a second on localhost with the demo school"). A measurement, not a test: it makes the
// demo school (`ejournal demo school`, default size unless --demo-args), starts ejournald on a
// free port, signs the demo teacher in through the login page, then loads the journal page of
// the walkthrough's class and subject N times (a fresh navigation each) and prints, per load, the
// time from navigation start to the grid in the DOM (a MutationObserver in the page), where the
// time went (resource timing), and the median.
//
// node tools/web_load.mjs --ejournal build/tools/ejournal --ejournald build/api/ejournald \
//     --web-root build/web [--runs 5] [--demo-args "--classes 4 --students 80"]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromiumOptions, readWalkthrough, setOwnPassword, startServer } from "./web_demo.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const { chromium } = createRequire(path.join(here, "../api/web/package.json"))("playwright-core");
const runs = parseInt(args.runs || "5", 10);
const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

const data = mkdtempSync(path.join(tmpdir(), "ejournal-webload-"));
let server = null;
let browser = null;
try {
  const t0 = Date.now();
  run(args.ejournal, ["demo", "school", "--data", data, ...(args["demo-args"] ? args["demo-args"].split(" ") : [])]);
  console.log(`demo school made in ${Date.now() - t0} ms`);
  const env = readWalkthrough(data);
  let url;
  ({ server, url } = await startServer(args.ejournald, data, args["web-root"]));
  setOwnPassword(args.ejournal, { url, data, school: env.SCHOOL, user: env.TEACHER, password: "demo12345" });
  browser = await chromium.launch(chromiumOptions(args.chromium));
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The moment the grid enters the DOM, taken in the page itself (no round trip to this script).
  await context.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector("table.grid")) {
        window.__gridAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await context.newPage();
  await page.goto(url + "/#/login");
  await page.fill("#school", env.SCHOOL);
  await page.fill("#login", env.TEACHER);
  await page.fill("#password", "demo12345");
  await page.press("#password", "Enter");
  await page.waitForSelector("#logout");
  const me = await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()));
  const load = Math.max(0, me.loads.findIndex((l) => l.class_id === env.CLASS && l.subject_id === env.SUBJECT));
  const target = `${url}/#/journal?load=${load}`;
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.goto("about:blank");
    await page.goto(target);
    await page.waitForSelector("table.grid");
    // From the navigation's start (performance.timeOrigin) to the grid in the DOM.
    const ms = await page.evaluate(() => window.__gridAt);
    const cells = await page.locator("table.grid td.cell").count();
    times.push(ms);
    // Where the time went: the document, the bundle and each API read (start and duration).
    const parts = await page.evaluate(() => performance.getEntriesByType("resource").concat(performance.getEntriesByType("navigation"))
      .map((e) => `${e.name.replace(location.origin, "").replace(/\?.*/, "").slice(-40)} @${Math.round(e.startTime)}+${Math.round(e.duration)}`));
    console.log(`load ${i + 1}: ${Math.round(ms)} ms to the grid (${cells} cells); ${parts.join(", ")}`);
  }
  times.sort((a, b) => a - b);
  console.log(`median ${Math.round(times[Math.floor(times.length / 2)])} ms over ${runs} loads, ledger size ${me.ledger_size}`);
} finally {
  if (browser) await browser.close();
  if (server) {
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode !== null ? r() : server.on("exit", r)));
  }
  rmSync(data, { recursive: true, force: true });
}
