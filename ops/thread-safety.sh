#!/usr/bin/env bash
# clang's thread-safety analysis over the project's sources: a member annotated ABSL_GUARDED_BY(mu_)
# is touched only with mu_ held, a function annotated ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) is called
# only with it held, and so on (schemas/mutex.h says why the project locks through its own
# annotated wrappers). gcc builds the project; clang only checks it here, with -fsyntax-only: each
# source file's compile command is taken from the build directory's compile_commands.json
# (configure and build it first: ops/build.sh), with clang++-19 for the compiler and gcc's warning
# flags replaced by the analysis's. Runs nproc files at a time; fails with clang's diagnostics if
# any file has a thread-safety warning (or does not compile with clang).
#
# Which files: those that include schemas/mutex.h, directly or not (the gcc build's dependency
# files say which; a file without one is checked), except the tests that do not include it
# themselves: only code that locks through the wrappers has anything for the analysis to check,
# and clang takes ~4.5 s of CPU a file here (-fsyntax-only still parses protobuf, RocksDB and
# httplib). The selection is 31 of the 143 files, ~135 s of CPU (a minute and a bit on 2 free
# cores); every file would be ~5 minutes on 2 cores. THREAD_SAFETY_ALL=1 checks every file.
#
# BUILD_DIR (default build), CLANGXX (default clang++-19) and JOBS (default nproc) override.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BUILD_DIR="${BUILD_DIR:-build}"
CLANGXX="${CLANGXX:-clang++-19}"
JOBS="${JOBS:-$(nproc)}"
DB="$BUILD_DIR/compile_commands.json"

if [ ! -f "$DB" ]; then
  echo "ops/thread-safety.sh: no $DB (configure the build first: ops/build.sh)" >&2
  exit 2
fi
command -v "$CLANGXX" >/dev/null || {
  echo "ops/thread-safety.sh: $CLANGXX not found (ops/install-deps.sh installs clang-19)" >&2
  exit 2
}
BUILD_ABS="$(cd "$BUILD_DIR" && pwd)"

# -Wthread-safety: the analysis (attributes, locking, guarded members, references to them);
# -Wthread-safety-beta: its newer checks, which the code passes too. -Wno-everything first: the
# gcc build owns every other warning.
FLAGS="-fsyntax-only -Wno-everything -Wthread-safety -Wthread-safety-beta -Werror=thread-safety"
FLAGS+=" -Werror=thread-safety-beta"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Per translation unit of the source tree (not the build tree's generated protobuf code): its
# dependency file, its source and "cd DIRECTORY && COMMAND".
jq -r --arg root "$ROOT/" --arg build "$BUILD_ABS/" '
  .[] | select((.file | startswith($root)) and ((.file | startswith($build)) | not))
  | "\(.directory)/\(.command | capture(" -o (?<o>[^ ]+)").o).d\t\(.file)\t"
    + "cd \(.directory | @sh) && \(.command)"' "$DB" >"$WORK/units"
count=0
checked=0
while IFS=$'\t' read -r depfile file command; do
  count=$((count + 1))
  if [ "${THREAD_SAFETY_ALL:-0}" != "1" ]; then
    case "$file" in
      "$ROOT"/tests/*) grep -q '^#include "schemas/mutex.h"' "$file" || continue ;;
      *) [ ! -f "$depfile" ] || grep -q '/schemas/mutex\.h' "$depfile" || continue ;;
    esac
  fi
  checked=$((checked + 1))
  # The compiler (the command's first word) swapped for clang, without the object output and
  # gcc's -W flags.
  command=$(sed -E -e "s#^(cd .* && )[^ ]+ #\1$CLANGXX #" -e 's# -o [^ ]+# #' -e 's# -c # #' \
    -e 's# -W[^ ]*##g' <<<"$command")
  printf '%s %s >%q 2>&1 || touch %q\n' "$command" "$FLAGS" "$WORK/$checked.log" \
    "$WORK/$checked.failed" >"$WORK/$checked.sh"
done <"$WORK/units"
if [ "$checked" -eq 0 ]; then
  echo "ops/thread-safety.sh: no translation unit of $ROOT to check in $DB" >&2
  exit 2
fi

start=$SECONDS
find "$WORK" -name '*.sh' -print0 | xargs -0 -n 1 -P "$JOBS" bash
seconds=$((SECONDS - start))

failed=$(find "$WORK" -name '*.failed' | wc -l)
if [ "$failed" -gt 0 ]; then
  for f in "$WORK"/*.failed; do cat "${f%.failed}.log"; done
  echo "ops/thread-safety.sh: $failed of $checked translation units fail clang's thread-safety" \
    "analysis ($seconds s)" >&2
  exit 1
fi
echo "ops/thread-safety.sh: $checked of $count translation units checked, all pass clang's" \
  "thread-safety analysis ($seconds s, $JOBS jobs)"
