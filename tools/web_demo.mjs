// What the browser test (tests/web/e2e.mjs) and the page-load measurement (tools/web_load.mjs)
// both need: the demo school's walkthrough ids, an ejournald on a free loopback port, and Debian's
// chromium launched as the machine notes say (headless, no sandbox as root, no background traffic).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

// The ids `ejournal demo school --data D` wrote to D/demo/walkthrough.env (KEY=value lines).
export function readWalkthrough(data) {
  return Object.fromEntries(readFileSync(path.join(data, "demo/walkthrough.env"), "utf8")
    .split("\n").filter(Boolean).map((l) => l.split("=")));
}

// Starts ejournald on `data` (port 0: a free one), with `extra` arguments, and resolves
// { server, url } once it listens.
export async function startServer(ejournald, data, webRoot, extra = []) {
  const server = spawn(ejournald, ["--data", data, "--port", "0", "--web-root", webRoot,
    "--log-level", "warn", ...extra], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    server.stdout.on("data", (d) => {
      buf += d;
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error("ejournald exited " + code)));
  });
  return { server, url };
}

// playwright-core's launch options for Debian's chromium.
export function chromiumOptions(executablePath = "/usr/bin/chromium") {
  return { executablePath, headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"] };
}
