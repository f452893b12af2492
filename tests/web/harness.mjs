// What the browser tests share: their --name value arguments, Debian's chromium driven by
// playwright-core (or the skip, exit 77, when either is missing), the tally of checks, and a page whose clock is the server's.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
