// What the browser tests (tests/web/*.mjs) and the page-load measurement (tools/web_load.mjs)
// both need: the demo school's walkthrough ids, an ejournald on a free loopback port, and Debian's
// chromium launched as the machine notes say (headless, no sandbox as root, no background traffic).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
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

// Gives a demo user `password` as their own, the way a person would (R-SET-2): the administrator
// (DATA/demo/admin.key) issues a one-time password, the user signs in with it and sets `password`;
// an administrator's password alone would have to be changed at the first sign-in.
export function setOwnPassword(ejournal, { url, data, school, user, password }) {
  const run = (argv) => {
    const r = spawnSync(ejournal, argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ejournal ${argv[0]} (${user}): ${r.stderr || r.stdout}`);
  };
  const once = randomBytes(12).toString("base64url");
  const profile = path.join(data, `demo/${user}.session.json`);
  run(["passwd", "--server", url, "--key", path.join(data, "demo/admin.key"), "--school", school,
    "--user", user, "--password", once]);
  run(["login", "--server", url, "--school", school, "--login", user, "--password", once, "--profile", profile]);
  run(["passwd", "--password", password, "--profile", profile]);
  run(["logout", "--profile", profile]);
  rmSync(profile, { force: true });
}

// playwright-core's launch options for Debian's chromium.
export function chromiumOptions(executablePath = "/usr/bin/chromium") {
  return { executablePath, headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"] };
}

// A small demo school (4 classes, 80 students, 10 teachers) made in `data` up to `at` (the
// school's local time), ejournald started on it with its clock there, and the walkthrough's
// `roles` (TEACHER, PARENT, ...) given `password`. Resolves { env, server, url, offsetMs }: the
// walkthrough's ids, the server, its address, and its clock minus this machine's.
export async function startDemoSchool({ ejournal, ejournald, webRoot, data, roles = [], password,
  at = "2026-11-18T10:30" }) {
  const made = spawnSync(ejournal, ["demo", "school", "--data", data, "--classes", "4", "--students", "80",
    "--teachers", "10", "--now", at], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`ejournal demo school: ${made.stderr || made.stdout}`);
  const env = readWalkthrough(data);
  const { server, url } = await startServer(ejournald, data, webRoot, ["--clock-start", env.NOW_US]);
  const offsetMs = Number(BigInt(env.NOW_US) / 1000n) - Date.now();
  for (const role of roles) setOwnPassword(ejournal, { url, data, school: env.SCHOOL, user: env[role], password });
  return { env, server, url, offsetMs };
}
