// What the browser tests share: their --name value arguments, Debian's chromium driven by
// playwright-core (or the skip, exit 77, when either is missing), the tally of checks, a page whose
// clock is the server's, and a whole run against the demo school (demoTest).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromiumOptions, startDemoSchool } from "../../tools/web_demo.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
export const chromiumPath = args.chromium || "/usr/bin/chromium";
if (!existsSync(chromiumPath)) {
  console.log(`SKIPPED: no chromium at ${chromiumPath} (ops/install-deps.sh installs it)`);
  process.exit(77);
}
export let chromium;
try {
  const require = createRequire(path.join(here, "../../api/web/package.json"));
  ({ chromium } = require("playwright-core"));
} catch {
  console.log("SKIPPED: playwright-core is not installed (the build runs npm ci in api/web)");
  process.exit(77);
}

// The failed checks so far (a page error counts as one).
export const tally = { failures: 0 };
export function check(ok, what) {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) tally.failures++;
}

// A new page in its own browser context whose clock is the server's (`offsetMs` ahead of this
// machine's: Date is shifted, timers and performance stay real), Russian locale; a page error
// counts as a failed check, named by `who`. `options` go to newContext (e.g. a viewport).
export async function clockedPage(browser, offsetMs, who, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "ru-RU", ...options });
  await context.addInitScript((offset) => {
    const RealDate = Date;
    globalThis.Date = class extends RealDate {
      constructor(...a) { if (a.length === 0) super(RealDate.now() + offset); else super(...a); }
      static now() { return RealDate.now() + offset; }
    };
  }, offsetMs);
  const page = await context.newPage();
  page.on("pageerror", (e) => { console.log(`page error (${who}): ${e.message}`); tally.failures++; });
  return page;
}

// A clocked page (as clockedPage) signed in at `url` with the login form, once the navigation
// shows the sign-out button.
export async function signedInPage(browser, offsetMs, url, { school, login, password }, options = {}) {
  const page = await clockedPage(browser, offsetMs, login, options);
  await page.goto(url + "/#/login");
  await page.fill("#school", school);
  await page.fill("#login", login);
  await page.fill("#password", password);
  await page.press("#password", "Enter");
  await page.waitForSelector("#logout");
  return page;
}

// Runs `body` against the demo school, then exits with the tally (0: every check passed): a fresh
// data directory named `prefix`…, ejournald on it at the demo's moment (--at, or the default),
// `roles` of the walkthrough with `password`, and chromium. `body` gets {env, url, offsetMs,
// browser, data, password, signIn(login, contextOptions), shot(page, name)}; a throw counts as a
// failure.
// Afterwards, whatever happened, the browser and the server stop; `after(data)` (optional) runs on
// the stopped server's data; the directory is removed.
export async function demoTest({ prefix, roles, password = "demo12345", after }, body) {
  const data = mkdtempSync(path.join(tmpdir(), prefix));
  mkdirSync(args.out, { recursive: true });
  let server = null;
  let browser = null;
  try {
    const started = await startDemoSchool({ ejournal: args.ejournal, ejournald: args.ejournald,
      webRoot: args["web-root"], data, roles, password, at: args.at });
    server = started.server;
    browser = await chromium.launch(chromiumOptions(chromiumPath));
    const signIn = (login, options) => signedInPage(browser, started.offsetMs, started.url,
      { school: started.env.SCHOOL, login, password }, options);
    const shot = (page, name) => page.screenshot({ path: path.join(args.out, name + ".png"), fullPage: true });
    await body({ ...started, browser, data, password, signIn, shot });
  } catch (e) {
    console.log("FAIL " + (e.stack || e));
    tally.failures++;
  } finally {
    if (browser) await browser.close();
    if (server) {
      server.kill("SIGTERM");
      await new Promise((r) => (server.exitCode !== null ? r() : server.on("exit", r)));
    }
  }
  if (after) {
    try {
      await after(data);
    } catch (e) {
      check(false, e.message);
    }
  }
  rmSync(data, { recursive: true, force: true });
  console.log(tally.failures ? `${tally.failures} check(s) failed` : "all checks passed");
  process.exit(tally.failures ? 1 : 0);
}
