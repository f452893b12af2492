#!/usr/bin/env bash
# The replica against the writer on the same events ("a replica applies at least as fast
# as the writer ingests"; docs/BENCHMARKS.md, "Replication"). Each round, on this machine:
#   1. writer: ejournald ingests the prepared school day over HTTP (POST /api/v1/events:batch,
#      4 clients of 500 events: tools/load_bench.sh's batch step) while its relay replicates to
#      the embedded Kafka cluster (`--kafka embedded`: a writer node as deployed; the prepared
#      history counts as replicated before the day, so the relay streams the day as it comes);
#      its events/s. The data directory it leaves (PREPARED.run) holds the prepared ledger and
#      then the day's entries, with the checkpoints the writer signed while it ingested them.
#   2. replica: a replica from nothing is fed that ledger through the embedded Kafka cluster
#      (replication_bench --catchup-from: the relay's stream format, a flow-controlled feeder) and
#      verifies and applies all of it; its rate is timed over the day's entries only
#      (--timed-after the prepared ledger's size), the ones the writer ingested in step 1.
#   3. bare writer: the same entries admitted in process, without HTTP and without Kafka
#      (replication_bench --writer), timed over the same day's entries: the writer node's work
#      with nothing around it.
# The steps alternate, so that the host's slower and faster minutes fall on all three. It prints
# a row per round and the median of each ratio.
#
#   tools/replica_vs_writer.sh [--rounds N] [--dir D] [--schools N] [--tiny]
#
# Needs a build (ops/build.sh); BUILD_DIR (default build) names it. D (default /work/bench-load,
# or $TMPDIR/bench-load outside /work) is tools/load_bench.sh's prepared directory, made once if
# missing. --tiny prepares a tiny school (the test run's smoke check).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
ROUNDS=5
DIR=""
SCHOOLS=16
TINY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --schools) SCHOOLS="$2"; shift 2 ;;
    --tiny) TINY=1; shift ;;
    *) echo "usage: $0 [--rounds N] [--dir D] [--schools N] [--tiny]" >&2; exit 2 ;;
  esac
done
if [ -z "$DIR" ]; then
  if [ -d /work ]; then DIR=/work/bench-load; else DIR="${TMPDIR:-/tmp}/bench-load"; fi
fi
LOAD="$BUILD_DIR/tools/ejournal_load"
SERVER="$BUILD_DIR/api/ejournald"
BENCH="$BUILD_DIR/tools/replication_bench"
for b in "$LOAD" "$SERVER" "$BENCH"; do
  [ -x "$b" ] || { echo "no $b: build first (ops/build.sh)" >&2; exit 1; }
done
if [ ! -f "$DIR/load/meta.json" ]; then
  rm -rf "$DIR"
  if [ "$TINY" = 1 ]; then
    "$LOAD" prepare --data "$DIR" --schools 1 --classes 3 --students 30 --teachers 10
  else
    "$LOAD" prepare --data "$DIR" --schools "$SCHOOLS"
  fi
fi
PREPARED=$(sed -n 's/.*"ledger_size": *\([0-9]*\).*/\1/p' "$DIR/load/meta.json")
[ -n "$PREPARED" ] || { echo "no ledger_size in $DIR/load/meta.json" >&2; exit 1; }
RUN_DIR="$DIR.run"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/replica_vs_writer.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

# The events/s a step printed, as a plain number.
http_rate() { grep -o '\*\*[0-9,]* events/s' | tr -d '*, ' | sed 's/events\/s//'; }
bench_rate() { grep -o '| [0-9]* events/s' | grep -o '[0-9]*'; }

echo "# $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "openssl speed -multi 2 -seconds 3 ed25519: $(openssl speed -multi 2 -seconds 3 ed25519 \
  2>/dev/null | awk '/EdDSA \(Ed25519\)/ {v = $NF} END {print v}') verifies/s"
echo "the prepared ledger: $PREPARED entries; the day: $(sed -n 's/.*"events": *\([0-9]*\).*/\1/p' \
  "$DIR/load/meta.json") events"
echo
echo "| round | writer over HTTP | replica | bare writer | replica ÷ writer over HTTP | replica ÷ bare writer |"
echo "|---|---|---|---|---|---|"
RATIOS_HTTP=()
RATIOS_BARE=()
for round in $(seq 1 "$ROUNDS"); do
  HTTP=$("$LOAD" run --prepared "$DIR" --ejournald "$SERVER" --work "$RUN_DIR" --max-errors 0 \
    --mode batch --clients 4 --batch-events 500 --server-arg=--kafka --server-arg=embedded \
    2>"$SCRATCH/load.err" | http_rate) ||
    { cat "$SCRATCH/load.err" >&2; exit 1; }
  REPLICA=$("$BENCH" --dir "$SCRATCH/replica" --catchup-from "$RUN_DIR" \
    --timed-after "$PREPARED" 2>"$SCRATCH/replica.err" | bench_rate) ||
    { cat "$SCRATCH/replica.err" >&2; exit 1; }
  BARE=$("$BENCH" --dir "$SCRATCH/writer" --catchup-from "$RUN_DIR" --writer \
    --timed-after "$PREPARED" 2>"$SCRATCH/writer.err" | bench_rate) ||
    { cat "$SCRATCH/writer.err" >&2; exit 1; }
  R_HTTP=$(awk -v a="$REPLICA" -v b="$HTTP" 'BEGIN {printf "%.2f", a / b}')
  R_BARE=$(awk -v a="$REPLICA" -v b="$BARE" 'BEGIN {printf "%.2f", a / b}')
  RATIOS_HTTP+=("$R_HTTP")
  RATIOS_BARE+=("$R_BARE")
  echo "| $round ($(date -u +%T)) | $HTTP events/s | $REPLICA events/s | $BARE events/s | $R_HTTP | $R_BARE |"
  rm -rf "$SCRATCH/replica" "$SCRATCH/writer"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo
echo "median replica ÷ writer over HTTP: $(median "${RATIOS_HTTP[@]}"); median replica ÷ bare writer: $(median "${RATIOS_BARE[@]}")"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
