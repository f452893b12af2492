// Fails (exit 1) when the modules under src/ import each other in a cycle, or import a relative
// path that is not there. Run by build.sh before bundling. Usage: node check-imports.mjs [SRC]
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname, relative, resolve } from "node:path";

const root = resolve(process.argv[2] || join(dirname(new URL(import.meta.url).pathname), "src"));
const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
  d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".js") ? [join(dir, d.name)] : []);
const edges = new Map();
let bad = 0;
for (const f of files(root)) {
  const text = readFileSync(f, "utf8");
  const deps = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']/gm)]
    .map((m) => resolve(dirname(f), m[1]));
  for (const d of deps) if (!existsSync(d)) { console.error(`${relative(root, f)}: no ${relative(root, d)}`); bad = 1; }
  edges.set(f, deps);
}
// Depth-first search; a module met again while still on the path closes a cycle.
const state = new Map(); // 1: on the path, 2: done
const path = [];
function visit(f) {
  if (state.get(f) === 2) return;
  if (state.get(f) === 1) {
    console.error("import cycle: " + [...path.slice(path.indexOf(f)), f].map((x) => relative(root, x)).join(" -> "));
    bad = 1;
    return;
  }
  state.set(f, 1); path.push(f);
  for (const d of edges.get(f) || []) visit(d);
  path.pop(); state.set(f, 2);
}
for (const f of edges.keys()) visit(f);
process.exit(bad);
