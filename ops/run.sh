#!/usr/bin/env bash
# Installs the packages, builds, and runs ejournal on embedded defaults with a demo ledger in
# ./demo-data (kept between runs; delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
BUILD_DIR=build ops/build.sh -DEJOURNAL_BUILD_TESTS=OFF
E=build/tools/ejournal
DATA="${EJOURNAL_DATA:-demo-data}"
if [ ! -f "$DATA/node.key" ]; then
  "$E" init --data "$DATA" --origin "ejournal.demo/ledger/1"
fi
"$E" demo append --data "$DATA" --count 200
"$E" ledger verify --data "$DATA"
"$E" checkpoint --data "$DATA"
"$E" proof inclusion --data "$DATA" --sequence 1
