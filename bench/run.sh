#!/usr/bin/env bash
# run.sh - the benchmark (what `make bench` runs after building the release
# server): our server against a bare libmicrohttpd server on the same
# machine in the same run, so the figures that matter are ratios.
#
# It builds the baseline (bench/baseline/hello.c) into build/bench/hello,
# starts a private PostgreSQL when DATABASE_URL is unset (scripts/with-pg.sh),
# starts build/release/bin/server and the baseline with the same I/O thread
# count and connection limits, warms both up, then runs every
# bench/scenarios/*.sh in name order; each prints markdown table rows
# (bench/lib.sh).  The report goes to stdout as markdown, progress to
# stderr.  Everything started here is stopped on exit.
#
#   BENCH_DURATION     wrk -d per measurement (default 10s)
#   BENCH_CONNECTIONS  wrk -c (default 64)
#   BENCH_WRK_THREADS  wrk -t (default 2)
#   BENCH_WARMUP       wrk -d of the warm-up, per URL (default 2s)
#   BENCH_ROUNDS       alternating runs of ours and the baseline for GET /
#                      (default 3; the median is reported)
#   BENCH_SCENARIOS    names to run, e.g. "root stub" (default: all)
#   BENCH_SERVER       the server to measure (default build/release/bin/server)
#   IO_THREADS, WORKERS, CONNECTION_LIMIT, PER_IP_CONNECTION_LIMIT,
#   CONNECTION_TIMEOUT  as for the server (server.conf is not read: the
#                      server runs in a temporary state directory)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
server=${BENCH_SERVER:-build/release/bin/server}
hello=build/bench/hello

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$server" ] || die "$server is missing (make bench builds it first)"
for tool in wrk curl psql python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done

# No database given: run this script again under a private cluster.
if [ -z "${DATABASE_URL:-}" ]; then
  [ -z "${BENCH_UNDER_PG:-}" ] || die "scripts/with-pg.sh did not set DATABASE_URL"
  [ -x scripts/with-pg.sh ] || die "DATABASE_URL is unset and scripts/with-pg.sh is missing"
  say "DATABASE_URL is not set; using a private PostgreSQL (scripts/with-pg.sh)"
  BENCH_UNDER_PG=1 exec scripts/with-pg.sh "$repo/bench/run.sh" "$@"
fi

export BENCH_DURATION=${BENCH_DURATION:-10s}
export BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
export BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-2}
export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_DIR=$repo/bench
warmup=${BENCH_WARMUP:-2s}
export IO_THREADS=${IO_THREADS:-2}
export CONNECTION_LIMIT=${CONNECTION_LIMIT:-1024}
export CONNECTION_TIMEOUT=${CONNECTION_TIMEOUT:-30}
# wrk opens all its connections from 127.0.0.1: above the per-address
# limit (64 by default) libmicrohttpd would refuse the extra ones.
per_ip_note=
if [ -z "${PER_IP_CONNECTION_LIMIT:-}" ]; then
  PER_IP_CONNECTION_LIMIT=64
  if [ "$BENCH_CONNECTIONS" -gt 64 ]; then
    PER_IP_CONNECTION_LIMIT=$BENCH_CONNECTIONS
    per_ip_note=" (raised from 64 to fit BENCH_CONNECTIONS)"
  fi
fi
export PER_IP_CONNECTION_LIMIT

mkdir -p build/bench
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$hello" \
  bench/baseline/hello.c $(pkg-config --cflags --libs libmicrohttpd)

state=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
pids=()
bench_db=
scenario_pgid=
# shellcheck disable=SC2317  # trap handler
cleanup() {
  local pid
  trap - EXIT INT TERM
  [ -z "$scenario_pgid" ] || kill -TERM -- "-$scenario_pgid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$bench_db" ]; then
    psql "$DATABASE_URL" -qAtc "DROP DATABASE IF EXISTS \"$bench_db\" WITH (FORCE)" >/dev/null 2>&1 ||
      say "could not drop database $bench_db"
  fi
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A database of its own, so the benchmark leaves DATABASE_URL's untouched;
# when we may not create one, use DATABASE_URL itself.
db_url=$DATABASE_URL
if psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE \"bench_$$\"" \
     >/dev/null 2>"$state/createdb.err"; then
  bench_db=bench_$$
  db_url=$(python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
    "$DATABASE_URL" "$bench_db")
else
  say "cannot create a database ($(head -1 "$state/createdb.err")); using DATABASE_URL's"
fi

# start NAME LOG CMD...: start CMD in $state, stderr to LOG and stdout
# (our access log, one line per request) to LOG.out; wait for the
# "listening on http://HOST:PORT" line and set started_url to that URL.
# (Not run in $(...): the server would hold the substitution's pipe.)
start() {
  local name=$1 log=$2 pid i
  shift 2
  # Created here: the loop below may read it before the child opens it.
  : >"$log"
  (cd "$state" && exec "$@") >"$log.out" 2>"$log" </dev/null &
  pid=$!
  pids+=("$pid")
  started_url=
  for ((i = 0; i < 300; i++)); do
    started_url=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$log" | head -1)
    [ -n "$started_url" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  say "$name did not start; its log:"
  tail -20 "$log" >&2
  exit 1
}

# PORT=0: the server picks a free port and names it in its listening line.
say "starting our server and the baseline ($IO_THREADS I/O threads each)"
start "our server" "$state/server.log" env PORT=0 HOST=127.0.0.1 \
  ENVIRONMENT=development DEBUG=false SECRET_KEY=bench \
  DATABASE_URL="$db_url" STATIC_DIR="$repo/node_modules" \
  MIGRATIONS_DIR="$repo/sql/migrations" QUERIES_DIR="$repo/sql/queries" \
  UPLOAD_DIR="$state/uploads" REQUEST_LOG="$state/requests.log" \
  LOGIN_LOG="$state/login_log.txt" OUTBOX="$state/outbox.txt" \
  "$(realpath "$server")"
ours=$started_url
start "the baseline" "$state/hello.log" "$repo/$hello" 0 "$IO_THREADS"
baseline=$started_url
export BENCH_OURS=$ours BENCH_BASELINE=$baseline
workers=$(sed -n 's/.*I\/O threads, \([0-9]*\) workers.*/\1/p' "$state/server.log" | head -1)

say "warming up ($warmup per URL)"
for url in "$baseline/" "$ours/" "$ours/nope"; do
  wrk -t"$BENCH_WRK_THREADS" -c"$BENCH_CONNECTIONS" -d"$warmup" "$url" >/dev/null
done
BENCH_TOKEN=not-a-jwt wrk -t"$BENCH_WRK_THREADS" -c"$BENCH_CONNECTIONS" -d"$warmup" \
  -s bench/lua/post.lua "$ours/posts" >/dev/null

# cpu_busy: the share of the CPUs in use over one second, by anyone.
cpu_busy() {
  local a b
  a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    split(a, x); split(b, y)    # user nice system idle iowait irq softirq steal
    for (i = 2; i <= 9; i++) { d = y[i] - x[i]; t += d; if (i == 5 || i == 6) idle += d }
    printf "%.0f%%", (t > 0 ? 100 * (t - idle) / t : 0) }'
}
busy_before=$(cpu_busy)

commit=$(git describe --always --dirty 2>/dev/null || echo "none (no commit yet)")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

cat <<EOF
# Benchmark: $(date -u '+%Y-%m-%d %H:%M UTC')

- commit: $commit
- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, Linux $(uname -r)
- CPU in use by other processes just before the first measurement: $busy_before (over 1 s, idle servers)
- libmicrohttpd $(pkg-config --modversion libmicrohttpd), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)
- load: wrk -t$BENCH_WRK_THREADS -c$BENCH_CONNECTIONS -d$BENCH_DURATION per run, keep-alive, over loopback, after a $warmup warm-up per URL;
  GET / alternates ours and the baseline over $BENCH_ROUNDS rounds and shows the median run
- ours: $server, $IO_THREADS I/O threads, ${workers:-?} workers, access log (stdout) to a file, PostgreSQL connected
- baseline: $hello (bench/baseline/hello.c), bare libmicrohttpd, same flags, $IO_THREADS threads, same limits
  (connections $CONNECTION_LIMIT, per address $PER_IP_CONNECTION_LIMIT$per_ip_note, timeout ${CONNECTION_TIMEOUT}s)

wrk and the servers share the machine's $(nproc) CPUs: the load generator takes
CPU from the server it measures, so absolute figures are lower than on
separate machines and vary from run to run; compare the ratio.

| scenario | server | requests/s | p50 | p99 | ours/baseline | responses |
|---|---|---:|---:|---:|---:|---|
EOF

failed=0
for script in bench/scenarios/*.sh; do
  name=$(basename "$script" .sh)
  if [ -n "${BENCH_SCENARIOS:-}" ] && [[ " $BENCH_SCENARIOS " != *" $name "* ]]; then
    continue
  fi
  say "scenario $name"
  # In a process group of its own, so that cleanup can stop it and its
  # wrk at once, and in the background, so that a signal is not held
  # until it ends.
  set -m
  bash "$script" >"$state/rows" &
  scenario_pgid=$!
  set +m
  rc=0
  wait "$scenario_pgid" || rc=$?
  scenario_pgid=
  if [ "$rc" != 0 ]; then
    failed=1
    say "scenario $name failed"
    [ -s "$state/rows" ] || echo "| $name | | | | | | **failed** (see stderr) |" >"$state/rows"
  fi
  cat "$state/rows"
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && continue
    echo "| $name | | | | | | **a server exited** |"
    say "a server exited during $name; our server's log:"
    tail -20 "$state/server.log" >&2
    exit 1
  done
done

echo
echo "CPU in use just after the last measurement: $(cpu_busy) (over 1 s, idle servers)."
if grep -qi 'error' "$state/server.log"; then
  say "our server logged errors:"
  grep -i 'error' "$state/server.log" | head -5 >&2
fi
exit "$failed"
