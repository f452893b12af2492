#!/bin/sh
# Builds the web pages into OUT: npm ci (when package-lock.json changed), the protobuf library
# generated from schemas/ by protoc + protoc-gen-es into GEN, and one esbuild bundle of src/app.js
# and the modules it imports (src/*.js, src/pages/*.js).
# Usage: build.sh OUT GEN   (PROTOC: the protoc to use, default protoc)
set -eu
cd "$(dirname "$0")"
OUT="$1"
GEN="$2"
PROTOC="${PROTOC:-protoc}"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf "$GEN" && mkdir -p "$GEN" "$OUT"
"$PROTOC" --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es --es_out="$GEN" \
  --es_opt=target=js -I ../../schemas ../../schemas/ejournal/v1/*.proto
# No import cycle between the modules (check-imports.mjs), so that every module is evaluated after
# everything it imports.
node check-imports.mjs src
# The bundle imports the generated code as "gen/...". What only some pages need and is large (the
# XLSX writer of the reports' export) is imported dynamically and split into chunk-*.js files
# beside app.js (ejournald serves one path segment), loaded when used, so that the diary on a phone
# does not download it.
rm -f "$OUT"/chunk-*
NODE_PATH="$PWD/node_modules" node_modules/.bin/esbuild src/app.js --bundle --format=esm --target=chrome120 --minify \
  --sourcemap --log-level=warning --alias:gen="$GEN" --splitting --outdir="$OUT" \
  --entry-names="[name]" --chunk-names="chunk-[name]-[hash]"
# Served gzipped to browsers that accept it (api/routes_web.cc), compressed once here.
for js in "$OUT"/app.js "$OUT"/chunk-*.js; do
  [ -f "$js" ] && gzip -9 -n -c "$js" > "$js.gz"
done
# The icon and the web app manifest go beside the page (the manifest is linked from index.html only
# once ejournald serves .webmanifest and its CSP allows manifest-src; README.md).
cp src/index.html src/app.css src/favicon.svg src/manifest.webmanifest "$OUT/"
