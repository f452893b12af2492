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
# The bundle imports the generated code as "gen/...".
NODE_PATH="$PWD/node_modules" node_modules/.bin/esbuild src/app.js --bundle --format=esm --target=chrome120 --minify \
  --sourcemap --log-level=warning --alias:gen="$GEN" --outfile="$OUT/app.js"
# Served gzipped to browsers that accept it (api/routes_web.cc), compressed once here.
gzip -9 -n -c "$OUT/app.js" > "$OUT/app.js.gz"
# The icon and the web app manifest go beside the page (the manifest is linked from index.html only
# once ejournald serves .webmanifest and its CSP allows manifest-src; README.md).
cp src/index.html src/app.css src/favicon.svg src/manifest.webmanifest "$OUT/"
