// Checks docs/openapi.yaml: (1) it is a valid OpenAPI document (validated
// against the OpenAPI JSON schemas by @seriousme/openapi-schema-validator, pinned in
// package-lock.json); (2) it describes exactly the endpoints that the route files (api/server.cc,
// api/routes_web.cc) route (method and path), no more and no fewer. The web pages' static files
// (routes named "web") are not API endpoints and are left out.
//
//   node tools/openapi/check.mjs docs/openapi.yaml api/server.cc api/routes_web.cc
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { parse } from "yaml";

const [docPath, ...routeFiles] = process.argv.slice(2);
const serverPath = routeFiles.join(", ");
if (!docPath || routeFiles.length === 0) {
  console.error("usage: check.mjs OPENAPI.yaml ROUTES.cc...");
  process.exit(2);
}
let failed = false;

const text = readFileSync(docPath, "utf8");
const validator = new Validator();
const result = await validator.validate(parse(text));
if (!result.valid) {
  console.error(`${docPath} is not a valid OpenAPI document:`);
  console.error(JSON.stringify(result.errors, null, 2));
  failed = true;
}

// The documented endpoints, path parameters written as {}.
const doc = parse(text);
const documented = new Set();
for (const [path, item] of Object.entries(doc.paths ?? {})) {
  for (const method of Object.keys(item)) {
    if (["get", "post", "put", "delete", "patch"].includes(method)) {
      documented.add(`${method.toUpperCase()} ${path.replace(/\{[^}]*\}/g, "{}")}`);
    }
  }
}

// The routed endpoints: Get(<pattern>, "name", ...) / Post(...) in the route files, where a
// pattern is string literals (a regex group is a path parameter, `\\.` a dot), `id` (one id) and
// `s` (a school's prefix) joined by `+`.
const source = routeFiles.map((f) => readFileSync(f, "utf8")).join("\n");
const vars = { id: "{}" };
const sMatch = source.match(/const std::string s = "([^"]*)" \+ id;/);
if (sMatch) vars.s = `${sMatch[1]}{}`;
const routed = new Set();
const routeRe = /\b(Get|Post)\(\s*((?:"[^"]*"|[A-Za-z_]\w*)(?:\s*\+\s*(?:"[^"]*"|[A-Za-z_]\w*))*)\s*,\s*"([^"]*)"/g;
for (const m of source.matchAll(routeRe)) {
  if (m[3] === "web") continue;
  const path = m[2]
    .split("+")
    .map((part) => part.trim())
    .map((part) => {
      if (part.startsWith('"')) {
        return part.slice(1, -1).replace(/\([^)]*\)/g, "{}").replace(/\\\\\./g, ".");
      }
      if (!(part in vars)) {
        console.error(`${serverPath}: cannot read the route part ${part}`);
        failed = true;
        return "?";
      }
      return vars[part];
    })
    .join("");
  routed.add(`${m[1].toUpperCase()} ${path}`);
}
if (routed.size === 0) {
  console.error(`${serverPath}: no routes found`);
  failed = true;
}
for (const r of routed) {
  if (!documented.has(r)) {
    console.error(`routed but not in ${docPath}: ${r}`);
    failed = true;
  }
}
for (const d of documented) {
  if (!routed.has(d)) {
    console.error(`in ${docPath} but not routed by ${serverPath}: ${d}`);
    failed = true;
  }
}
if (failed) process.exit(1);
console.log(`${docPath}: valid; the ${routed.size} endpoints of ${serverPath} are documented`);
