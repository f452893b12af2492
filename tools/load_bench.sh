#!/usr/bin/env bash
# The service's load targets (docs/BENCHMARKS.md "Service: load"), in one run on
# this machine, the server and the load tool together:
#   1. `openssl speed -multi 2 -seconds 3 ed25519`: the machine's Ed25519 verifications/s on both
#      cores (the limit batch ingest is measured against; target ≥ 0.80 of it);
#   2. batch ingest of the generated day (POST /api/v1/events:batch);
#   3. single-event writes at 2,000 events/s, open-loop, the day's first 20,000 events (target
#      p99 < 10 ms);
#   4. the same writes with diary reads at 2,000 reads/s (target reads p99 < 2 ms);
# and the disk's fdatasync latency before and after (the floor under a durable write).
# Each step starts ejournald afresh on a copy of the prepared directory (tools/load_main.cc), with
# --timing-header: after the writes and the mixed runs the tool prints where the requests' time
# went (its own lag, the wait before the handler, the handler's stages, the way back) and the
# scheduler's account of both processes' threads (run-queue wait per thread name).
#
#   tools/load_bench.sh [--schools N] [--dir D] [--fresh]
#
# Needs a build (ops/build.sh); BUILD_DIR (default build) names it. The prepared directory D
# (default /work/bench-load, or $TMPDIR/bench-load outside /work) is made once and reused unless
# --fresh.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
SCHOOLS=16
DIR=""
FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --schools) SCHOOLS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    *) echo "usage: $0 [--schools N] [--dir D] [--fresh]" >&2; exit 2 ;;
  esac
done
if [ -z "$DIR" ]; then
  if [ -d /work ]; then DIR=/work/bench-load; else DIR="${TMPDIR:-/tmp}/bench-load"; fi
fi
LOAD="$BUILD_DIR/tools/ejournal_load"
SERVER="$BUILD_DIR/api/ejournald"
for b in "$LOAD" "$SERVER"; do
  [ -x "$b" ] || { echo "no $b: build first (ops/build.sh)" >&2; exit 1; }
done
if [ "$FRESH" = 1 ] || [ ! -f "$DIR/load/meta.json" ]; then
  rm -rf "$DIR"
  "$LOAD" prepare --data "$DIR" --schools "$SCHOOLS"
fi
RUN=("$LOAD" run --prepared "$DIR" --ejournald "$SERVER" --max-errors 1000000)

echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
VERIFY=$(openssl speed -multi 2 -seconds 3 ed25519 2>/dev/null |
  awk '/EdDSA \(Ed25519\)/ {v = $NF} END {print v}')
echo "openssl speed -multi 2 -seconds 3 ed25519: $VERIFY verifies/s"
"$LOAD" fsync --dir "$(dirname "$DIR")"
echo
echo "| what | size | time | throughput | p50 ms | p90 ms | p99 ms | max ms | errors |"
echo "|---|---|---|---|---|---|---|---|---|"
"${RUN[@]}" --mode batch --clients 4 --batch-events 500 --verify-limit "$VERIFY"
AFTER=$(openssl speed -multi 2 -seconds 3 ed25519 2>/dev/null |
  awk '/EdDSA \(Ed25519\)/ {v = $NF} END {print v}')
"${RUN[@]}" --mode write --clients 64 --rate 2000 --max-events 20000
"${RUN[@]}" --mode mixed --clients 64 --rate 2000 --read-clients 32 --read-rate 2000 --max-events 20000
echo
echo "openssl speed again right after the batch run: $AFTER verifies/s"
"$LOAD" fsync --dir "$(dirname "$DIR")"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
