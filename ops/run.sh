#!/usr/bin/env bash
# Installs the packages, builds, and runs ejournal on embedded defaults with a demo school in
# ./demo-data (kept between runs; delete it to start over): a generated school of this academic
# year up to today, every event signed by its author and admitted through every school rule.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
BUILD_DIR=build ops/build.sh -DEJOURNAL_BUILD_TESTS=OFF
E=build/tools/ejournal
DATA="${EJOURNAL_DATA:-demo-data}"
if [ ! -f "$DATA/node.key" ]; then
  "$E" demo school --data "$DATA"
fi
"$E" ledger verify --data "$DATA"
"$E" checkpoint --data "$DATA"
"$E" proof inclusion --data "$DATA" --sequence 1
