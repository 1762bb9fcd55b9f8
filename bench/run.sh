#!/usr/bin/env bash
# run.sh - the benchmark (what `make bench` runs after building the release
# server): our server against a bare libmicrohttpd server on the same
# machine in the same run, so the figures that matter are ratios.
#
# It builds the baseline (bench/baseline/hello.c) into build/bench/hello,
# starts a private PostgreSQL when DATABASE_URL is unset (scripts/with-pg.sh),
# starts build/release/bin/server and the baseline with the same I/O thread
# count and connection limits, warms both up, then runs every
# bench/scenarios/*.sh in name order (but compare-*.sh); each prints
# markdown table rows (bench/lib.sh).  The report goes to stdout as
# markdown, progress to stderr.  Everything started here is stopped on exit.
#
# With --anchor (or BENCH_ANCHOR=1) it then compares ours with the FastAPI
# reference (bench/anchor.sh): installs the reference's Debian packages
# when missing, starts it with uvicorn (1 worker, and --workers 2) on
# fresh databases of its own in the same PostgreSQL, seeds all three
# servers with the same users and posts through their HTTP APIs
# (bench/seed.py), runs the bench/scenarios/compare-*.sh on each, and
# reports the servers' resident memory (/proc VmRSS, VmHWM).
#
#   bench/run.sh [--anchor]
#
#   BENCH_DURATION     wrk -d per measurement (default 10s)
#   BENCH_CONNECTIONS  wrk -c (default 64)
#   BENCH_WRK_THREADS  wrk -t (default 2)
#   BENCH_WARMUP       wrk -d of the warm-up, per URL (default 2s)
#   BENCH_ROUNDS       alternating runs of ours and the baseline for GET /
#                      (default 3; the median is reported)
#   BENCH_SCENARIOS    names to run, e.g. "root stub" (default: all)
#   BENCH_SERVER       the server to measure (default build/release/bin/server)
#   BENCH_ANCHOR=1     as --anchor; then also:
#   BENCH_COMPARE_ROUNDS  runs per server and comparison (default 1, median)
#   BENCH_COMPARE_CONNECTIONS  wrk -c of the comparison (default 32: at 64 the
#                      reference's 40 threads wait on its 15 database
#                      connections and it stalls, see bench/RESULTS.md)
#   BENCH_REF_WORKERS  the reference's uvicorn worker counts (default "1 2")
#   BENCH_SEED_USERS, BENCH_SEED_POSTS  what seed.py creates (2, 200)
#   BENCH_LOGIN_CONNECTIONS, BENCH_LOGIN_DURATION  for POST /auth/login (4, 10s)
#   FASTAPI_REF_DIR    the reference (default ../shared/anchors/fastapi-ref)
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

anchor=${BENCH_ANCHOR:-0}
[ "$anchor" = 0 ] || anchor=1
for arg in "$@"; do
  case $arg in
    --anchor) anchor=1 ;;
    *) die "unknown argument $arg (usage: bench/run.sh [--anchor])" ;;
  esac
done
export BENCH_ANCHOR=$anchor
# shellcheck source=bench/anchor.sh
[ "$anchor" = 0 ] || . bench/anchor.sh

[ -x "$server" ] || die "$server is missing (make bench builds it first)"
for tool in wrk curl psql python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
# Before any database is started, so that a failed install leaves nothing.
[ "$anchor" = 0 ] || anchor_deps

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
export BENCH_WARMUP=$warmup
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
extra_dbs=()
scenario_pgid=
# shellcheck disable=SC2317  # trap handler
cleanup() {
  local pid db
  trap - EXIT INT TERM
  [ -z "$scenario_pgid" ] || kill -TERM -- "-$scenario_pgid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for db in $bench_db "${extra_dbs[@]}"; do
    psql "$DATABASE_URL" -qAtc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
      say "could not drop database $db"
  done
  rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# db_url_named NAME: DATABASE_URL with database NAME instead.
db_url_named() {
  python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
    "$DATABASE_URL" "$1"
}

# A database of its own, so the benchmark leaves DATABASE_URL's untouched;
# when we may not create one, use DATABASE_URL itself.
db_url=$DATABASE_URL
if psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE \"bench_$$\"" \
     >/dev/null 2>"$state/createdb.err"; then
  bench_db=bench_$$
  db_url=$(db_url_named "$bench_db")
else
  # The comparison seeds the same data into fresh databases.
  [ "$anchor" = 0 ] || die "cannot create a database: $(head -1 "$state/createdb.err")"
  say "cannot create a database ($(head -1 "$state/createdb.err")); using DATABASE_URL's"
fi

# start NAME LOG CMD...: start CMD in $state, stderr to LOG and stdout
# (our access log, one line per request) to LOG.out; wait for the
# "listening on http://HOST:PORT" line and set started_url to that URL
# and started_pid to its process.
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
  started_pid=$pid
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
  ENVIRONMENT=development DEBUG=false SECRET_KEY=bench ACCESS_TOKEN_EXPIRE_MINUTES=600 \
  DATABASE_URL="$db_url" STATIC_DIR="$repo/node_modules" \
  MIGRATIONS_DIR="$repo/sql/migrations" QUERIES_DIR="$repo/sql/queries" \
  UPLOAD_DIR="$state/uploads" REQUEST_LOG="$state/requests.log" \
  LOGIN_LOG="$state/login_log.txt" OUTBOX="$state/outbox.txt" \
  "$(realpath "$server")"
ours=$started_url
ours_pid=$started_pid
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
# run_scenario SCRIPT: run it unless BENCH_SCENARIOS leaves it out, and
# print its rows (or a row saying it failed); stop when a server exited.
run_scenario() {
  local script=$1 name pid rc
  name=$(basename "$script" .sh)
  if [ -n "${BENCH_SCENARIOS:-}" ] && [[ " $BENCH_SCENARIOS " != *" $name "* ]]; then
    return 0
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
    say "a server exited during $name; the logs' last lines:"
    tail -n 20 "$state"/*.log >&2
    exit 1
  done
}

for script in bench/scenarios/*.sh; do
  case $(basename "$script") in compare-*) continue ;; esac
  run_scenario "$script"
done

if [ "$anchor" = 1 ]; then
  say "starting the FastAPI reference ($(anchor_versions))"
  ANCHOR_STATIC=$(anchor_static)
  export BENCH_COMPARE_CONNECTIONS=${BENCH_COMPARE_CONNECTIONS:-32}
  export BENCH_COMPARE=ours BENCH_URL_ours=$ours BENCH_LABEL_ours=ours BENCH_PID_ours=$ours_pid
  ref_workers=${BENCH_REF_WORKERS:-1 2}
  for w in $ref_workers; do
    key=ref$w
    anchor_start "$key" "$w"
    BENCH_COMPARE="$BENCH_COMPARE $key"
    label="FastAPI, $w worker"; [ "$w" = 1 ] || label="${label}s"
    export "BENCH_URL_$key=$started_url" "BENCH_LABEL_$key=$label" "BENCH_PID_$key=$started_pid"
  done
  say "seeding every server with ${BENCH_SEED_USERS:-2} users and ${BENCH_SEED_POSTS:-200} posts (bench/seed.py)"
  for key in $BENCH_COMPARE; do
    url=BENCH_URL_$key
    anchor_seed "$key" "${!url}"
  done
  mem_snapshot seeded

  cat <<EOF

## Ours and the FastAPI reference

- the reference: $(cd "${FASTAPI_REF_DIR:-$repo/../shared/anchors/fastapi-ref}" && pwd), started with its run.sh:
  uvicorn --workers N (N = ${ref_workers// /, }), Debian's $(anchor_versions);
  uvicorn picks uvloop and httptools when installed; sync routes on Starlette's thread pool, SQLAlchemy's default pool (5 + 10 overflow) per worker
- ours: as above (its defaults: $IO_THREADS I/O threads, ${workers:-?} workers, one database connection per worker)
- each server on a fresh database of its own in the same PostgreSQL, seeded through its HTTP API with the
  same ${BENCH_SEED_USERS:-2} users and ${BENCH_SEED_POSTS:-200} posts (bench/seed.py); both write their console and request-log lines to files
- load: wrk -t$BENCH_WRK_THREADS -c$BENCH_COMPARE_CONNECTIONS -d$BENCH_DURATION (POST /auth/login: -c${BENCH_LOGIN_CONNECTIONS:-4} -d${BENCH_LOGIN_DURATION:-10s}) after a $warmup warm-up per server;
  ${BENCH_COMPARE_ROUNDS:-1} run(s) per server, servers taking turns, median shown; the others sit idle while one is measured
- last column of the FastAPI rows: ours' requests/s divided by theirs

| scenario | server | requests/s | p50 | p99 | ours ÷ this | responses |
|---|---|---:|---:|---:|---:|---|
EOF
  for script in bench/scenarios/compare-*.sh; do
    name=$(basename "$script" .sh)
    if [[ $name == *login* ]] &&
       { [ -z "${BENCH_SCENARIOS:-}" ] || [[ " $BENCH_SCENARIOS " == *" $name "* ]]; }; then
      mem_snapshot before-login
    fi
    run_scenario "$script"
  done
  mem_snapshot end
  echo
  echo "Resident memory from /proc/PID/status (VmHWM: the peak); for uvicorn the sum over the master and its workers:"
  mem_table
fi

echo
echo "CPU in use just after the last measurement: $(cpu_busy) (over 1 s, idle servers)."
if grep -qi 'error' "$state/server.log"; then
  say "our server logged errors:"
  grep -i 'error' "$state/server.log" | head -5 >&2
fi
exit "$failed"
