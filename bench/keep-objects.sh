#!/usr/bin/env bash
# keep-objects.sh - a C compiler for scripts/realspecs.sh (as CC) that
# keeps what it compiles: "-o /dev/null" becomes "-o $KEEP_OBJECTS/NAME.o"
# for source NAME.c, so bench/run.sh (BENCH_GENERATOR=1) can report the
# size of GitHub's compiled objects.  Every generated directory has the
# same file names and GitHub's is compiled last, so its objects are what
# remains.  REAL_CC is the compiler (default cc).
set -euo pipefail
src=
for a in "$@"; do
  case $a in *.c) src=$a ;; esac
done
args=()
prev=
for a in "$@"; do
  if [ "$prev" = -o ] && [ "$a" = /dev/null ] && [ -n "$src" ] && [ -n "${KEEP_OBJECTS:-}" ]; then
    a=$KEEP_OBJECTS/$(basename "$src" .c).o
  fi
  args+=("$a")
  prev=$a
done
exec "${REAL_CC:-cc}" "${args[@]}"
