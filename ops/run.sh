#!/usr/bin/env bash
# Installs the packages, builds, creates a demo school in ./demo-data (kept between runs; delete it
# to start over) and runs ejournald on http://127.0.0.1:${EJOURNAL_PORT:-8080} until Ctrl-C.
# The demo school is a generated school of this academic year up to today: every event signed by
# its author and admitted through every school rule. Every demo user's password is "demo12345".
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh
BUILD_DIR=build ops/build.sh -DEJOURNAL_BUILD_TESTS=OFF
E=build/tools/ejournal
DATA="${EJOURNAL_DATA:-demo-data}"
PORT="${EJOURNAL_PORT:-8080}"
URL="http://127.0.0.1:$PORT"
PASSWORD=demo12345
fresh=0
if [ ! -f "$DATA/node.key" ]; then
  "$E" demo school --data "$DATA"
  fresh=1
fi
"$E" ledger verify --data "$DATA"
"$E" checkpoint --data "$DATA"

# --kafka embedded: the ledger is replicated to an in-process Kafka-protocol cluster (librdkafka's
# mock, in memory, keeps the last 5 MiB of the topic); its address is the "kafka bootstrap" line.
OUT="$DATA/ejournald.out"
# Transparent huge pages for jemalloc's heap: a start folds the whole ledger into memory
# (docs/OPERATIONS.md "Memory").
MALLOC_CONF="${MALLOC_CONF:-thp:always,metadata_thp:always}" \
  build/api/ejournald --data "$DATA" --listen 127.0.0.1 --port "$PORT" --kafka embedded >"$OUT" &
SERVER=$!
trap 'kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 600); do
  curl -sf "$URL/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { echo "ejournald did not start" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$URL/readyz" >/dev/null
KAFKA="$(sed -n 's/^kafka bootstrap \([^ ]*\) topic .*/\1/p' "$OUT")"

# shellcheck disable=SC1091
. "$DATA/demo/walkthrough.env"
if [ "$fresh" = 1 ]; then
  for user in "$ADMIN" "$DIRECTOR" "$DEPUTY" "$METHODIST" "$SECRETARY" "$AUDITOR" "$TEACHER" \
              "$CLASS_TEACHER" "$PARENT" "$STUDENT"; do
    # As a person would (R-SET-2): the administrator issues a one-time password, the user signs
    # in with it and sets their own; an administrator's password is changed at the first sign-in.
    once="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
    profile="$DATA/demo/$user.session.json"
    "$E" passwd --server "$URL" --key "$DATA/demo/admin.key" --school "$SCHOOL" \
      --user "$user" --password "$once" >/dev/null
    "$E" login --server "$URL" --school "$SCHOOL" --login "$user" --password "$once" \
      --profile "$profile" >/dev/null
    "$E" passwd --password "$PASSWORD" --profile "$profile" >/dev/null
    "$E" logout --profile "$profile" >/dev/null
    rm -f "$profile"
  done
fi

cat <<TXT

ejournald serves the demo school $SCHOOL on $URL (Ctrl-C stops it).
In a browser: $URL/ (school $SCHOOL; the web pages, api/web/README.md).
Users (password $PASSWORD): admin $ADMIN, director $DIRECTOR, deputy $DEPUTY, methodist $METHODIST,
teacher $TEACHER, class teacher $CLASS_TEACHER, parent $PARENT of student $STUDENT, auditor $AUDITOR.

The ledger is replicated to Kafka (embedded, in memory: the topic keeps its last 5 MiB) at $KAFKA,
topic ejournal.ledger; read it with any Kafka client, e.g.
  kcat -C -b $KAFKA -t ejournal.ledger -o end -f 'seq %k %h\n'
A verified read replica (docs/SCALING.md) can follow it while the ledger fits in those 5 MiB (a larger
one makes a new replica halt at the first entry the topic no longer holds; /readyz says so):
  build/api/ejournald --replica --data /tmp/replica --kafka $KAFKA --source-pub $DATA/node.pub --writer-url $URL --port 8081

Try it (README "Walkthrough"), with E=$E:
  # the teacher records a control-work mark on their latest lesson, then asks to correct it
  \$E login --server $URL --school $SCHOOL --login $TEACHER --password $PASSWORD --profile /tmp/t.json
  \$E mark --profile /tmp/t.json --lesson $LESSON --date $LESSON_DATE --student $STUDENT --value 3 --work control --mark-id demo-mark-1
  \$E correct --profile /tmp/t.json --lesson $LESSON --date $LESSON_DATE --student $STUDENT --mark-id demo-mark-1 --value 4 --work control --reason "ошибка при выставлении" --request demo-rq-1
  # the deputy sees the queue and approves
  \$E login --server $URL --school $SCHOOL --login $DEPUTY --password $PASSWORD --profile /tmp/d.json
  \$E corrections --profile /tmp/d.json
  \$E approve --profile /tmp/d.json --request demo-rq-1
  # the parent reads the diary of that week
  \$E login --server $URL --school $SCHOOL --login $PARENT --password $PASSWORD --profile /tmp/p.json
  \$E diary --profile /tmp/p.json --student $STUDENT --week $LESSON_DATE
TXT
wait "$SERVER"
