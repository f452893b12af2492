#!/usr/bin/env bash
# Installs every build, test and run dependency from Debian's packages (a fresh Debian 12 machine).
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates curl ccache
  protobuf-compiler libprotobuf-dev
  librocksdb-dev
  librdkafka-dev kcat
  libcpp-httplib-dev
  libssl-dev openssl libsodium-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev
  libhowardhinnant-date-dev tzdata
  nlohmann-json3-dev
  libcurl4-openssl-dev python3-aiosmtpd
  libabsl-dev
  libjemalloc-dev
  clang-format
  clang-19 jq
  chromium
)
# Node.js and npm (the OpenAPI check, the web pages and their chromium test): Debian's, unless
# the machine already has a node with npm (e.g. NodeSource's nodejs, which bundles npm and
# conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "ops/install-deps.sh: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The OpenAPI document's validator (ctest: openapi.check), from npm, pinned by its lock file.
OPENAPI_DIR="$(cd "$(dirname "$0")/.." && pwd)/tools/openapi"
if [ ! -f "$OPENAPI_DIR/node_modules/.package-lock.json" ] ||
  [ "$OPENAPI_DIR/package-lock.json" -nt "$OPENAPI_DIR/node_modules/.package-lock.json" ]; then
  echo "ops/install-deps.sh: npm ci in tools/openapi"
  (cd "$OPENAPI_DIR" && npm ci --no-audit --no-fund --silent)
fi
