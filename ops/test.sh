#!/usr/bin/env bash
# Installs the dependencies, builds everything and runs every test (CTest), then clang's
# thread-safety analysis over the same build's sources (ops/thread-safety.sh). Then, unless
# EJOURNAL_SANITIZED_TESTS=0, the same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
BUILD_DIR=build ops/build.sh -DEJOURNAL_BUILD_TESTS=ON
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
echo "== clang -Wthread-safety"
BUILD_DIR=build ops/thread-safety.sh
if [ "${EJOURNAL_SANITIZED_TESTS:-1}" != "0" ]; then
  echo "== the same tests under -fsanitize=address,undefined"
  BUILD_DIR=build-asan BUILD_TYPE=Debug ops/build.sh -DEJOURNAL_SANITIZE=address,undefined
  (cd build-asan && ctest --output-on-failure -j"$(nproc)" --timeout 900)
fi
