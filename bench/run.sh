#!/usr/bin/env bash
# run.sh - the benchmark of issue 8 (what `make bench` runs after building
# the release server).  Every target is a ratio measured side by side in
# one run, the order of the runs rotating from round to round, the median
# of BENCH_ROUNDS rounds reported.  The report goes to stdout as
# markdown, progress to stderr; everything started here is stopped, the
# databases dropped and the temporary directory removed on exit, Ctrl-C
# included.
#
# What it does:
# - builds the Kore anchors of issue 12 (bench/baseline/Makefile, into
#   build/bench; bench/kore.sh runs them): a bare Kore page handler
#   answering GET / with our 43 bytes, and GET /posts/{id} the idiomatic
#   Kore way (http_state + kore_pgsql, async), both with as many Kore
#   workers as ours has I/O threads, seccomp on, no access log;
# - starts a private PostgreSQL (scripts/with-pg.sh) unless DATABASE_URL
#   is set, and a fresh database per application server in it;
# - starts our server (ours_start: build/release/bin/server, or the Kore
#   application build/release/app.so under kore(1)), the bare server, the
#   Kore anchors and, unless BENCH_ANCHOR=0, the FastAPI reference
#   (bench/anchor.sh; uvicorn, 1 worker);
# - seeds each application server through its HTTP API with 2 users and
#   1,000 posts (bench/seed.py, which prints the range of post ids);
# - writes a 100 KiB PNG (bench/png.py) for the uploads;
# - runs the scenarios (bench/scenarios/NAME.sh; lib.sh's bench_scenario):
#   ours at -c32, -c256 and -c1024 (retention: target 4), the others at
#   -c32: FastAPI on every scenario (target 3), bare Kore on GET / at
#   every BENCH_BASELINE_CLIENTS count (target 1; issue 12: >= 0.9x of
#   bare Kore), pgbench running PostGet of
#   sql/queries/posts.sql and the kore_pgsql anchor on GET /posts/{id}
#   (target 2; issue 12: >= 0.9x of pgbench, >= 2x of kore_pgsql); our peak RSS
#   (VmHWM, reset before each run) per run (targets 5 and 6).  Writes are
#   undone after each run of the writing scenarios, so every run sees the
#   seeded data;
# - with instances of its own (bench/instance.py): how fast connections
#   beyond CONNECTION_LIMIT are refused (target 4) and the start-up time
#   (target 7);
# - optionally the soak (target 6) and the generator on GitHub's REST
#   description (target 8);
# - prints the targets of issue 8 and the three ratios of issue 12,
#   point 9, met or not (bench/report.py), the resident memory
#   of the servers and the exact wrk and pgbench command lines.
#
#   bench/run.sh [--no-anchor]
#
# Knobs (environment):
#   BENCH_DURATION     wrk -d / pgbench -T of each measurement (10s)
#   BENCH_ROUNDS       rounds per scenario; the median run is shown (3)
#   BENCH_WARMUP       warm-up per server and scenario (2s)
#   BENCH_CLIENTS      wrk -c for ours; the first is the comparisons'
#                      ("32 256 1024")
#   BENCH_BASELINE_CLIENTS  wrk -c for bare Kore
#                      ("32 256 1024": their own retention at -c1024 is
#                      the yardstick of ours)
#   BENCH_WRK_THREADS  wrk -t (1)
#   BENCH_WRK_TIMEOUT  wrk --timeout (30s: logins queue for seconds at
#                      -c1024; later answers count as timeouts)
#   BENCH_SETTLE_MAX   after each run, wait until the server is idle
#                      (under 5% of a CPU), at most this many seconds (120)
#   BENCH_SCENARIOS    scenarios to run, in order (default: "root post-get
#                      posts-list posts-create upload mixed login"; also
#                      users-me, notfound, stub; "none" for none)
#   BENCH_ANCHOR=0     no FastAPI (as --no-anchor); default 1
#   BENCH_REF_WORKERS  uvicorn worker counts of the reference ("1"; "1 2"
#                      measures both)
#   FASTAPI_REF_DIR    the reference (../shared/anchors/fastapi-ref)
#   BENCH_SEED_USERS, BENCH_SEED_POSTS  what seed.py creates (2, 1000)
#   BENCH_CONNLIMIT    CONNECTION_LIMIT of the refusal check (64; 0 skips)
#   BENCH_STARTS       starts timed for target 7 (10; 0 skips)
#   BENCH_SOAK=600     run the soak: the mixed scenario at -c256 for 600 s,
#                      VmRSS sampled every BENCH_SOAK_INTERVAL (10) s,
#                      growth after BENCH_SOAK_WARMUP (60) s; default 0 (off)
#   BENCH_GENERATOR=1  run scripts/realspecs.sh (about 5 minutes) and report
#                      GitHub's generation time and sizes; default 0 (off)
#   BENCH_SERVER       the server to measure: an executable, or a Kore
#                      application (a .so, run by kore(1) with
#                      BENCH_KORE_CONF); default build/release/app.so when
#                      it exists, else build/release/bin/server
#   BENCH_KORE_CONF    the kore.conf of a Kore BENCH_SERVER (kore.conf)
#   BENCH_KORE=0       no Kore anchors; default 1
#   BENCH_KORE_WORKERS Kore workers of the anchors and of a Kore
#                      BENCH_SERVER (IO_THREADS)
#   BENCH_KORE_PGSQL_CONNS  pgsql_conn_max of the kore_pgsql anchor, per
#                      worker (4: our DB_CONNECTIONS / IO_THREADS)
#   IO_THREADS, WORKERS, CONNECTION_TIMEOUT  as for the server (2, its
#                      default, 30); CONNECTION_LIMIT and
#                      PER_IP_CONNECTION_LIMIT default to the largest
#                      client count + 64 (wrk connects from one address)
#   DATABASE_URL       use this PostgreSQL instead of a private one; a
#                      private one of your own: PGDATA_DIR=... PGPORT_PRIVATE=...
#
# The full run (defaults) takes about 20-25 minutes on an idle machine; a
# quick look (about 4 minutes):
#   BENCH_DURATION=2s BENCH_ROUNDS=1 BENCH_SCENARIOS="root post-get" bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
if [ -n "${BENCH_SERVER:-}" ]; then
  server=$BENCH_SERVER
elif [ -f build/release/app.so ]; then
  server=build/release/app.so
else
  server=build/release/bin/server
fi
kore_conf_src=${BENCH_KORE_CONF:-kore.conf}
kore_anchor=${BENCH_KORE:-1}
[ "$kore_anchor" = 0 ] || kore_anchor=1

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

anchor=${BENCH_ANCHOR:-1}
[ "$anchor" = 0 ] || anchor=1
for arg in "$@"; do
  case $arg in
    --no-anchor) anchor=0 ;;
    --anchor) anchor=1 ;;
    *) die "unknown argument $arg (usage: bench/run.sh [--no-anchor])" ;;
  esac
done
export BENCH_ANCHOR=$anchor
# shellcheck source=bench/anchor.sh
[ "$anchor" = 0 ] || . bench/anchor.sh

case $server in
  *.so) [ -f "$server" ] || die "$server is missing (make bench builds it first)"
        [ -f "$kore_conf_src" ] || die "$kore_conf_src is missing (BENCH_KORE_CONF)" ;;
  *) [ -x "$server" ] || die "$server is missing (make bench builds it first)" ;;
esac
tools=(wrk curl psql pgbench python3)
[[ $kore_anchor = 0 && $server != *.so ]] || tools+=(kore stdbuf make cc)
for tool in "${tools[@]}"; do
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
export BENCH_ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_WARMUP=${BENCH_WARMUP:-2s}
export BENCH_CLIENTS=${BENCH_CLIENTS:-32 256 1024}
export BENCH_BASELINE_CLIENTS=${BENCH_BASELINE_CLIENTS:-32 256 1024}
export BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-1}
export BENCH_WRK_TIMEOUT=${BENCH_WRK_TIMEOUT:-30s}
export BENCH_SETTLE_MAX=${BENCH_SETTLE_MAX:-120}
export BENCH_DIR=$repo/bench
scenarios=${BENCH_SCENARIOS:-root post-get posts-list posts-create upload mixed login}
[ "$scenarios" != none ] || scenarios=
read -r -a clients <<<"$BENCH_CLIENTS"
c0=${clients[0]}
read -r -a base_clients <<<"$BENCH_BASELINE_CLIENTS"
cmax=$(printf '%s\n' "${clients[@]}" "${base_clients[@]}" | sort -n | tail -1)
export IO_THREADS=${IO_THREADS:-2}
export CONNECTION_LIMIT=${CONNECTION_LIMIT:-$((cmax + 64))}
export PER_IP_CONNECTION_LIMIT=${PER_IP_CONNECTION_LIMIT:-$CONNECTION_LIMIT}
export CONNECTION_TIMEOUT=${CONNECTION_TIMEOUT:-30}

# shellcheck source=bench/kore.sh
. bench/kore.sh   # after IO_THREADS and CONNECTION_LIMIT
mkdir -p build/bench
[ "$kore_anchor" = 0 ] || kore_build

state=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
export BENCH_STATE=$state BENCH_RESULTS=$state/results BENCH_COMMANDS=$state/commands
facts=$state/facts
: >"$BENCH_RESULTS"; : >"$BENCH_COMMANDS"; : >"$facts"
pids=()
declare -A pid_names=()
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

# shellcheck source=bench/lib.sh
. bench/lib.sh

# db_url_named NAME: DATABASE_URL with database NAME instead.
db_url_named() {
  python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' \
    "$DATABASE_URL" "$1"
}

# A database of its own, so the benchmark leaves DATABASE_URL's untouched.
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE \"bench_$$\"" >/dev/null ||
  die "cannot create a database in DATABASE_URL's cluster"
bench_db=bench_$$
db_url=$(db_url_named "$bench_db")

# start NAME DIR CMD...: start CMD in DIR, stderr to DIR/server.log and
# stdout (our access log) to DIR/server.out; wait for its "listening on
# http://HOST:PORT" line or, when start_probe holds a URL (Kore, which
# prints no such line), until GET start_probe/ is answered, whatever the
# status; set started_url and started_pid.
# (Not run in $(...): the server would hold the substitution's pipe.)
start_probe=
start() {
  local name=$1 dir=$2 pid i
  shift 2
  mkdir -p "$dir"
  # Created here: the loop below may read it before the child opens it.
  : >"$dir/server.log"
  (cd "$dir" && exec "$@") >"$dir/server.out" 2>"$dir/server.log" </dev/null &
  pid=$!
  pids+=("$pid")
  pid_names[$pid]=$name
  started_url=
  started_pid=$pid
  for ((i = 0; i < 300; i++)); do
    if [ -n "$start_probe" ]; then
      if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$start_probe/")" != 000 ]; then
        started_url=$start_probe
        return 0
      fi
    else
      started_url=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$dir/server.log" | head -1)
      [ -n "$started_url" ] && return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  say "$name did not start; its log:"
  tail -20 "$dir/server.log" "$dir/server.out" >&2
  exit 1
}

# Our server's environment (the rest: IO_THREADS ... exported above).
# Paths of its files are relative: each instance runs in a directory of
# its own (the scenarios' in $state/ours, bench/instance.py's in others).
ours_env=(PORT=0 HOST=127.0.0.1 ENVIRONMENT=development DEBUG=false SECRET_KEY=bench
  ACCESS_TOKEN_EXPIRE_MINUTES=600 DATABASE_URL="$db_url" STATIC_DIR="$repo/node_modules"
  MIGRATIONS_DIR="$repo/sql/migrations" QUERIES_DIR="$repo/sql/queries"
  UPLOAD_DIR=uploads REQUEST_LOG=requests.log LOGIN_LOG=login_log.txt OUTBOX=outbox.txt)
# A copy is measured: the same binary all through the run even if the
# build relinks it meanwhile, and one that a "pkill server" or a
# "pkill -f build/release/bin/server" elsewhere on the machine leaves alone.
# server_abs is what starts our server: the copy itself, or for a Kore
# application (a .so) an executable that runs kore(1) on a copy of it
# (bench/kore.sh, kore_ours_launcher).  bench/instance.py starts it too.
server_abs=$state/bin/ours-bench
mkdir -p "$state/bin"
case $server in
  *.so)
    cp "$server" "$server_abs.so"
    kore_ours_launcher "$server_abs.so" "$kore_conf_src" "$server_abs" ;;
  *) cp "$server" "$server_abs" ;;
esac

# ours_start NAME DIR: start the server under test in DIR, with ours_env
# (PORT, HOST and the application's settings) in its environment; set
# started_url and started_pid.  The one place that knows how our server
# is started (the scenarios' instance and memory's fresh one).  It
# expects of an executable server: listening on $HOST:$PORT, PORT=0 a
# free port, and the line "listening on http://HOST:PORT" on stderr once
# it is.  Of a Kore application: that kore(1) with the launcher's copy of
# its kore.conf (bound to $HOST:$PORT, KORE_WORKERS workers, plain HTTP)
# serves it, and that GET / answers once it is up; it is given a free
# port, since kore(1) does not say which port 0 got.
ours_start() {
  local -a env=("${ours_env[@]}")
  case $server in
    *.so)
      env+=(PORT="$(kore_free_port)")
      start_probe=http://127.0.0.1:${env[-1]#PORT=}
      start "$1" "$2" env "${env[@]}" "$server_abs"
      start_probe= ;;
    *) start "$1" "$2" env "${env[@]}" "$server_abs" ;;
  esac
}

say "starting our server ($IO_THREADS I/O threads or Kore workers)"
ours_start "our server" "$state/ours"
export BENCH_SERVERS=ours BENCH_URL_ours=$started_url BENCH_LABEL_ours=ours \
  BENCH_PID_ours=$started_pid BENCH_DB_ours=$db_url BENCH_UPLOADS_ours=$state/ours/uploads
export BENCH_LABEL_pgbench=pgbench
# On our database: kore_pgsql reads the posts seeded below through ours.
[ "$kore_anchor" = 0 ] || kore_anchors "$db_url"
# (A Kore application may print none.)
startup_line=$(grep -m1 'listening on' "$state/ours/server.log" || true)
workers=$(sed -n 's/.* \([0-9]*\) workers.*/\1/p' <<<"$startup_line")
db_conns=$(sed -n 's/.* \([0-9]*\) database connections.*/\1/p' <<<"$startup_line")
# The bound on concurrent Argon2id hashes, when the server prints one in
# its start-up lines: "N CPU workers" (the pool that runs x-cpu-bound
# handlers: password hashing), "N hashes", "N concurrent (Argon2id)
# hashes", "HASH_CONCURRENCY=N" or "hash concurrency N".
hash_bound=$(grep -oiE '[0-9]+ cpu workers|[0-9]+ (concurrent )?(argon2(id)? )?hash(es)?\b|hash[_ ]concurrency[ =:]+[0-9]+' \
  "$state/ours/server.log" | grep -oE '[0-9]+' | head -1 || true)
[ -z "$hash_bound" ] || echo "hash_bound=$hash_bound" >>"$facts"

if [ "$anchor" = 1 ]; then
  ANCHOR_STATIC=$(anchor_static)
  ref_workers=${BENCH_REF_WORKERS:-1}
  say "starting the FastAPI reference ($(anchor_versions))"
  for w in $ref_workers; do
    key=ref$w
    anchor_start "$key" "$w"
    label="FastAPI, $w worker"; [ "$w" = 1 ] || label="${label}s"
    BENCH_SERVERS="$BENCH_SERVERS $key"
    export "BENCH_URL_$key=$started_url" "BENCH_LABEL_$key=$label" "BENCH_PID_$key=$started_pid"
  done
fi

export BENCH_PNG=$state/bench.png
python3 bench/png.py "$BENCH_PNG" 102400

seed_users=${BENCH_SEED_USERS:-2} seed_posts=${BENCH_SEED_POSTS:-1000}
# 20 posts a page (GET /posts?page=N&per_page=20 in mixed.lua).
export BENCH_PAGES=$(( (seed_posts + 19) / 20 ))
say "seeding every server with $seed_users users and $seed_posts posts (bench/seed.py)"
for key in $BENCH_SERVERS; do
  url=BENCH_URL_$key
  bench/seed.py "${!url}" "$seed_users" "$seed_posts" >"$state/seed.$key" ||
    die "seeding $key (${!url}) failed"
  export "BENCH_SEED_$key=$state/seed.$key"
done
# kore_pgsql runs on our database: our seeded ids.
[ "$kore_anchor" = 0 ] || export BENCH_SEED_kpg=$state/seed.ours
[ "$anchor" = 0 ] || mem_snapshot seeded

# cpu_busy: the share of the CPUs in use over one second, by anyone.
cpu_busy() {
  local a b
  a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    split(a, x); split(b, y)    # user nice system idle iowait irq softirq steal
    for (i = 2; i <= 9; i++) { d = y[i] - x[i]; t += d; if (i == 5 || i == 6) idle += d }
    printf "%.0f%%", (t > 0 ? 100 * (t - idle) / t : 0) }'
}

commit=$(git describe --always --dirty 2>/dev/null || echo "none (no commit yet)")
versions=
[[ $kore_anchor = 0 && $server != *.so ]] || versions="${versions:+$versions, }Kore $(kore_version)"
case $server in
  *.so) ours_line="$server (a copy of it) under kore(1) -f -n -r with a copy of $kore_conf_src (bind, load and workers $KORE_WORKERS set by bench/kore.sh),
  CONNECTION_LIMIT=$CONNECTION_LIMIT, PER_IP_CONNECTION_LIMIT=$PER_IP_CONNECTION_LIMIT, CONNECTION_TIMEOUT=$CONNECTION_TIMEOUT in its environment" ;;
  *) ours_line="$server (a copy of it, run as ours-bench), $IO_THREADS I/O threads with ${db_conns:-?} database connections, ${workers:-?} upload workers, access log to a file, CONNECTION_LIMIT=$CONNECTION_LIMIT,
  PER_IP_CONNECTION_LIMIT=$PER_IP_CONNECTION_LIMIT, CONNECTION_TIMEOUT=$CONNECTION_TIMEOUT; start-up line: \`listening on${startup_line#*listening on}\`" ;;
esac
kore_line="not measured (BENCH_KORE=0)"
[ "$kore_anchor" = 0 ] || kore_line="bench/baseline/kore_hello (bare page handler, GET /) and bench/baseline/kore_pgsql
  (GET /posts/{id}: http_state + kore_pgsql_query_params, async, on our database, pgsql_conn_max $KORE_PGSQL_CONNS), built by
  bench/baseline/Makefile with $(cat /usr/share/kore/features 2>/dev/null); kore(1) -f -n -r, $KORE_WORKERS workers, seccomp on, no access log"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ref_line="not measured (BENCH_ANCHOR=0)"
if [ "$anchor" = 1 ]; then
  ref_line="$(cd "${FASTAPI_REF_DIR:-$repo/../shared/anchors/fastapi-ref}" && pwd) with its run.sh,
  uvicorn --workers ${ref_workers// /, }, Debian's $(anchor_versions); SQLAlchemy's default pool (5 + 10 overflow)"
fi

cat <<EOF
# Benchmark: $(date -u '+%Y-%m-%d %H:%M UTC')

- commit: $commit
- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)
- CPU in use by other processes just before the first measurement: $(cpu_busy) (over 1 s, idle servers)
- $versions, $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(pgbench --version), $(psql "$db_url" -qAtc 'SHOW server_version' | cut -d' ' -f1) server
- ours: $ours_line
- Kore anchors: $kore_line
- FastAPI: $ref_line
- data: each application server on a fresh database of its own in the same PostgreSQL, seeded through its
  HTTP API with $seed_users users and $seed_posts posts (bench/seed.py); random post ids over the seeded range
- load: wrk -t$BENCH_WRK_THREADS -d$BENCH_DURATION --timeout $BENCH_WRK_TIMEOUT, keep-alive, over loopback; ours at -c${BENCH_CLIENTS// /, -c},
  the others at -c$c0 (bare Kore at -c${BENCH_BASELINE_CLIENTS// /, -c}); a $BENCH_WARMUP warm-up per server and scenario;
  $BENCH_ROUNDS round(s), the order of the runs rotating each round; each row is the median run by requests/s
- peak RSS: our server's VmHWM over the run (reset before it through /proc/PID/clear_refs), the highest of the rounds
- POST /posts, uploads and the mixed run write rows and files: they are deleted after each run (the seeded data stays)

wrk, PostgreSQL and the servers share the machine's $(nproc) CPUs: absolute figures are
lower than with the load generated elsewhere and vary from run to run; compare the ratios.

## Scenarios

EOF
python3 bench/report.py header

failed=0
# run_scenario NAME: bench/scenarios/NAME.sh, printing its rows (or one
# saying it failed); stops when a server has exited.
run_scenario() {
  local name=$1 script=bench/scenarios/$1.sh pid rc
  [ -f "$script" ] || die "no scenario $name ($script)"
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
    [ -s "$state/rows" ] || echo "| $name | | | | | | | | **failed** (see stderr) |" >"$state/rows"
  fi
  cat "$state/rows"
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && continue
    echo "| $name | | | | | | | | **${pid_names[$pid]:-a server} (pid $pid) exited** |"
    say "${pid_names[$pid]:-a server} (pid $pid) exited during $name; the logs' last lines:"
    tail -n 20 "$state"/*/server.log "$state"/*.log >&2 2>/dev/null || true
    exit 1
  done
}

for name in $scenarios; do
  run_scenario "$name"
done

# instance MODE ARGS...: bench/instance.py with our server's environment,
# its facts appended to $facts.
instance() {
  local mode=$1
  shift
  say "$mode (bench/instance.py)"
  if ! env "${ours_env[@]}" python3 bench/instance.py "$mode" "$server_abs" \
       "$state/$mode" "$@" >>"$facts"; then
    failed=1
    say "$mode failed"
  fi
}

# memory: target 6 on a server started for it, so that what the
# scenarios' server keeps from their -c1024 runs (a process rarely gives
# memory back) does not count.  Same database, so seed.py's token and
# ids hold.  The mixed run at -c256, BENCH_ROUNDS times BENCH_DURATION,
# its peak RSS (VmHWM, reset once the server is up: the start's own peak
# is reported beside it); then the soak when BENCH_SOAK is set.
# Facts mem_* and soak_*.
memory() {
  local url pid r ok=1 runs=''
  ours_start "a fresh server" "$state/fresh"
  url=$started_url pid=$started_pid
  export BENCH_SEED_fresh=$state/seed.ours BENCH_DB_fresh=$BENCH_DB_ours \
    BENCH_UPLOADS_fresh=$state/fresh/uploads BENCH_TOKEN BENCH_ID_MIN BENCH_ID_MAX
  BENCH_TOKEN=$(bench_seed ours token)
  BENCH_ID_MIN=$(bench_seed ours post_id_min)
  BENCH_ID_MAX=$(bench_seed ours post_id_max)
  # The peak of the start itself is not the mixed run's.
  echo "mem_start_kb=$(bench_hwm "$pid")" >>"$facts"
  bench_hwm_reset "$pid"
  for ((r = 1; r <= BENCH_ROUNDS; r++)); do
    say "memory: mixed at -c256 on a fresh server, run $r of $BENCH_ROUNDS"
    if bench_wrk 256 "$BENCH_DURATION" "$url/" "$BENCH_DIR/lua/mixed.lua"; then
      runs="$runs${runs:+, }$WRK_RPS req/s"
      if [ "$WRK_NON2XX" != 0 ] || [ "$WRK_ERRORS" != 0/0/0/0 ]; then
        ok=0
        runs="$runs ($WRK_NON2XX non-2xx, socket errors $WRK_ERRORS)"
      fi
    else
      ok=0
    fi
    bench_reset fresh
  done
  {
    echo "mem_hwm_kb=$(bench_hwm "$pid")"
    echo "mem_runs=$runs"
    echo "mem_ok=$ok"
  } >>"$facts"
  [ "${BENCH_SOAK:-0}" = 0 ] || soak "$BENCH_SOAK" "$url" "$pid"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# soak SECONDS URL PID: the mixed run at -c256 for SECONDS on server PID,
# VmRSS sampled every BENCH_SOAK_INTERVAL seconds; the writes are undone
# at each sample (the data stays at its seeded size).  Facts soak_*.
soak() {
  local secs=$1 url=$2 pid=$3 every=${BENCH_SOAK_INTERVAL:-10} warm=${BENCH_SOAK_WARMUP:-60}
  local c=256 t=0 rss samples='' first='' last='' rps non2xx errors statuses
  ((warm * 2 <= secs)) || warm=$((secs / 5))
  say "soak: mixed at -c$c for $secs s, VmRSS every $every s, after a $warm s warm-up"
  set -m
  ( bench_wrk "$c" "${secs}s" "$url/" "$BENCH_DIR/lua/mixed.lua" &&
      echo "$WRK_RPS $WRK_NON2XX $WRK_ERRORS ${WRK_STATUSES:--}" >"$state/soak" ) &
  scenario_pgid=$!
  set +m
  while kill -0 "$scenario_pgid" 2>/dev/null; do
    sleep "$every"
    t=$((t + every))
    kill -0 "$scenario_pgid" 2>/dev/null || break
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
    bench_reset fresh
    ((t >= warm)) || continue
    [ -n "$first" ] || first=$rss
    last=$rss
    samples="$samples${samples:+, }$t s $(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
  done
  wait "$scenario_pgid" || failed=1
  scenario_pgid=
  read -r rps non2xx errors statuses <"$state/soak" || die "the soak's wrk failed"
  bench_reset fresh
  {
    echo "soak_seconds=$secs"
    echo "soak_clients=$c"
    echo "soak_warmup=$warm"
    echo "soak_samples=${samples:-none} MiB"
    echo "soak_growth_kb=$(( ${last:-0} - ${first:-0} ))"
    echo "soak_rps=$rps"
    echo "soak_responses=${statuses//,/, }; socket errors c/r/w/t $errors"
    [ "$non2xx" = 0 ] && [ "$errors" = 0/0/0/0 ] && echo soak_ok=1
  } >>"$facts"
}
[ "${BENCH_MEMORY:-1}" = 0 ] || memory
[ "${BENCH_CONNLIMIT:-64}" = 0 ] || instance connlimit "${BENCH_CONNLIMIT:-64}" 20
[ "${BENCH_STARTS:-10}" = 0 ] || instance startup "${BENCH_STARTS:-10}"

# generator: scripts/realspecs.sh with the release codegen; the objects
# it compiles (-O0) are kept (bench/keep-objects.sh) to report their size.
generator() {
  local codegen=build/release/bin/codegen out=build/realspecs objs=$state/objects log=$state/realspecs
  local real_cc=${CC:-cc}
  [ -x "$codegen" ] || die "$codegen is missing (make MODE=release all)"
  mkdir -p "$objs"
  say "generator: scripts/realspecs.sh (minutes)"
  if ! KEEP_OBJECTS=$objs REAL_CC=$real_cc CC=$repo/bench/keep-objects.sh \
       scripts/realspecs.sh "$codegen" "$out" >"$log" 2>&1; then
    failed=1
    say "scripts/realspecs.sh failed:"
    tail -20 "$log" >&2
  fi
  echo
  echo "## Generator: scripts/realspecs.sh"
  echo
  # The examples it refused are counted in its "oas-examples:" line.
  grep -v '^refused ' "$log" | sed 's/^/    /'
  echo
  echo "Objects of GitHub's generated C (-O0), size(1):"
  echo
  size -t "$objs"/*.o 2>/dev/null | sed "s|$objs/||; s/^/    /"
  echo "generator=$(grep -E '^github: (generated|compiled)' "$log" | sed 's/^github: //; s/:$//' |
    paste -sd ';' | sed 's/;/; /g'); objects $(size -t "$objs"/*.o 2>/dev/null | awk 'END {
      printf "%.1f MB (text %.1f MB)", $4 / 1e6, $1 / 1e6 }')" >>"$facts"
}
[ "${BENCH_GENERATOR:-0}" = 0 ] || generator

echo
echo "## Targets (issue 8)"
echo
python3 bench/report.py summary "$BENCH_RESULTS" "$facts" "$c0"
echo
echo "## Targets (issue 12, point 9: on Kore)"
echo
python3 bench/report.py kore "$BENCH_RESULTS" "$c0"

if [ "$anchor" = 1 ]; then
  mem_snapshot end
  echo
  echo "Resident memory from /proc/PID/status (VmHWM: the peak); for uvicorn the sum over the master and its workers:"
  mem_table
fi

if [ -s "$BENCH_COMMANDS" ]; then
  echo
  echo "## Command lines"
  echo
  sed "s|$repo/||g; s/^/    /" "$BENCH_COMMANDS"
fi
if [ -f "$state/post-get.pgbench" ]; then
  echo
  echo "The pgbench script (PostGet from sql/queries/posts.sql):"
  echo
  sed 's/^/    /' "$state/post-get.pgbench"
fi
echo
echo "CPU in use just after the last measurement: $(cpu_busy) (over 1 s, idle servers)."
if grep -qi 'error' "$state/ours/server.log"; then
  say "our server logged errors:"
  grep -i 'error' "$state/ours/server.log" | head -5 >&2
fi
exit "$failed"
