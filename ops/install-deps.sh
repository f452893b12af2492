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
  libssl-dev openssl
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev
  libhowardhinnant-date-dev tzdata
  nlohmann-json3-dev
  clang-format
  chromium
)
# The web pages (api/web) build with node and npm, and their end-to-end test drives chromium: the
# machine's own node (with npm) when there is one, else Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "ops/install-deps.sh: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
