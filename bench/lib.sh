# shellcheck shell=bash disable=SC2034  # the variables set are for the scenarios
# lib.sh - what the scenario scripts share: probes with curl, wrk and
# pgbench runs, and bench_scenario, which measures one scenario on every
# server in alternating rounds and records each run.  Sourced by
# bench/scenarios/*.sh, which run.sh starts with these in the environment:
#
#   BENCH_DIR           this directory, absolute
#   BENCH_STATE         run.sh's temporary directory
#   BENCH_RESULTS       the file every run is recorded in (one line a run,
#                       tab-separated, read by report.py)
#   BENCH_COMMANDS      the file the exact wrk and pgbench command lines
#                       are collected in
#   BENCH_DURATION      wrk -d and pgbench -T of a measurement (10s)
#   BENCH_WARMUP        of the warm-up, once per server and scenario (2s)
#   BENCH_ROUNDS        rounds; the median run is reported (3)
#   BENCH_CLIENTS       wrk -c of our server; the first is the one every
#                       comparison is made at ("32 256 1024")
#   BENCH_BASELINE_CLIENTS  wrk -c of the bare servers ("32 256 1024")
#   BENCH_WRK_THREADS   wrk -t (1)
#   BENCH_WRK_TIMEOUT   wrk --timeout (30s)
#   BENCH_SERVERS       the application servers, ours first: "ours ref1"
#   BENCH_URL_<KEY>     each one's base URL; also of the anchors that are
#                       not application servers: "khello" (bare Kore) and "kpg"
#                       (Kore's kore_pgsql GET /posts/{id}), each unset
#                       when not running
#   BENCH_LABEL_<KEY>   its name in the tables
#   BENCH_PID_<KEY>     its process (ours: its peak RSS is read per run)
#   BENCH_SEED_<KEY>    bench/seed.py's output for it (kpg: ours', whose
#                       database it reads)
#   BENCH_DB_<KEY>      its database URL (pgbench; undoing writes)
#   BENCH_UPLOADS_<KEY> its upload directory (emptied with the writes)
#   BENCH_PNG           the 100 KiB PNG of the uploads
#
# A record (see bench_record) holds the scenario, the runner (tool,
# server, clients), the round, requests/s, p50 and p99 in microseconds,
# the request, non-2xx and socket error counts, what the probe saw, the
# peak RSS (ours), the responses by status (mixed.lua) and how long the
# server stayed busy after the run (bench_settle).

: "${BENCH_DURATION:=10s}" "${BENCH_WARMUP:=2s}" "${BENCH_ROUNDS:=3}"
: "${BENCH_CLIENTS:=32 256 1024}" "${BENCH_BASELINE_CLIENTS:=32 256 1024}"
: "${BENCH_WRK_THREADS:=1}" "${BENCH_WRK_TIMEOUT:=30s}"
: "${BENCH_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
: "${BENCH_RESULTS:=/dev/null}" "${BENCH_COMMANDS:=/dev/null}"

# bench_probe METHOD URL [BODY]: one request with curl; sets PROBE_STATUS
# and PROBE_BODY, so a scenario can check it measures what it says.  A
# BODY "@png" sends BENCH_PNG as the multipart part "file"; any other is
# sent as JSON.  BENCH_TOKEN, when set, goes as a bearer token.
bench_probe() {
  local method=$1 url=$2 body=${3-} out
  local -a args=(-s -X "$method" -w '\n%{http_code}' --max-time 30)
  if [ "$body" = @png ]; then
    args+=(-F "file=@$BENCH_PNG;type=image/png")
  elif [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  fi
  [ -n "${BENCH_TOKEN:-}" ] && args+=(-H "Authorization: Bearer $BENCH_TOKEN")
  out=$(curl "${args[@]}" "$url") || { PROBE_STATUS=000; PROBE_BODY=; return 1; }
  PROBE_STATUS=${out##*$'\n'}
  PROBE_BODY=${out%$'\n'*}
}

# bench_wrk CLIENTS DURATION URL [LUA]: one wrk run (LUA defaults to
# lua/report.lua); sets WRK_REQUESTS, WRK_RPS, WRK_P50 and WRK_P99 (us),
# WRK_NON2XX, WRK_ERRORS (connect/read/write/timeout) and WRK_STATUSES
# (status:count,...; empty unless the script counts them).  Fails when
# wrk does.
bench_wrk() {
  local lua=${4:-$BENCH_DIR/lua/report.lua} out line
  local -a cmd=(wrk -t"$BENCH_WRK_THREADS" -c"$1" -d"$2" --timeout "$BENCH_WRK_TIMEOUT"
    -s "$lua" "$3")
  bench_command "${cmd[@]}"
  out=$("${cmd[@]}" 2>&1) || { echo "bench: wrk failed: $out" >&2; return 1; }
  line=$(grep '^BENCH ' <<<"$out") || { echo "bench: no result from wrk: $out" >&2; return 1; }
  WRK_REQUESTS=$(bench_field requests "$line")
  WRK_NON2XX=$(bench_field non2xx "$line")
  WRK_ERRORS=$(bench_field errors "$line")
  WRK_STATUSES=$(bench_field statuses "$line")
  WRK_RPS=$(awk -v n="$WRK_REQUESTS" -v us="$(bench_field duration_us "$line")" \
    'BEGIN { printf "%.0f", (us > 0 ? n * 1e6 / us : 0) }')
  WRK_P50=$(bench_field p50_us "$line")
  WRK_P99=$(bench_field p99_us "$line")
}

bench_field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<" $2"; }

# bench_var NAME: the value of variable NAME, empty when unset.
bench_var() { printf '%s' "${!1:-}"; }

# bench_is_app KEY: whether KEY is one of BENCH_SERVERS (an application
# server with data of its own; not a bare server or the kore_pgsql anchor).
bench_is_app() { [[ " ${BENCH_SERVERS:-ours} " = *" $1 "* ]]; }

# bench_seconds DURATION: wrk's 10s, 2m or 1h as whole seconds (pgbench -T).
bench_seconds() {
  case $1 in
    *h) echo $((${1%h} * 3600)) ;;
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

# bench_command CMD...: note CMD in BENCH_COMMANDS (once), for the report.
bench_command() {
  local line
  line=$(printf '%q ' "$@")
  line=${line% }
  grep -qxF -- "$line" "$BENCH_COMMANDS" 2>/dev/null || echo "$line" >>"$BENCH_COMMANDS"
}

# bench_pgbench FILE CLIENTS DURATION: pgbench -M prepared running FILE
# against our database (BENCH_DB_ours) with one thread, the same way
# bench_wrk reports: WRK_RPS is the TPS, WRK_P50 and WRK_P99 (us) come
# from the per-transaction log, WRK_NON2XX counts failed transactions.
bench_pgbench() {
  local file=$1 dir out rc=0
  dir=$(mktemp -d "$BENCH_STATE/pgbench.XXXXXX")
  local -a cmd=(pgbench -n -M prepared -f "$file" -c"$2" -j1 -T"$(bench_seconds "$3")"
    -l --log-prefix="$dir/log" "$BENCH_DB_ours")
  bench_command "${cmd[@]}"
  out=$("${cmd[@]}" 2>&1) || rc=$?
  WRK_RPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -1)
  WRK_REQUESTS=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  WRK_NON2XX=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  WRK_ERRORS=0/0/0/0
  WRK_STATUSES=
  if [ "$rc" != 0 ] || [ -z "$WRK_RPS" ]; then
    echo "bench: pgbench failed ($rc): $(tail -3 <<<"$out")" >&2
    rm -rf "$dir"
    return 1
  fi
  WRK_RPS=$(printf '%.0f' "$WRK_RPS")
  # Log lines: client transaction latency_us script epoch epoch_us.
  read -r WRK_P50 WRK_P99 < <(cat "$dir"/log.* | awk '{ print $3 }' | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) { print 0, 0; exit }
      p50 = int(NR * 0.50 + 0.5); p99 = int(NR * 0.99 + 0.5)
      print v[p50 < 1 ? 1 : p50], v[p99 < 1 ? 1 : p99] }')
  : "${WRK_NON2XX:=0}"
  rm -rf "$dir"
}

# bench_seed KEY FIELD: FIELD (token, post_id, post_id_min, post_id_max,
# login_email, login_password) from bench/seed.py's output for KEY.
bench_seed() {
  local file=BENCH_SEED_$1
  sed -n "s/^$2=//p" "${!file}"
}

# bench_hwm_reset PID / bench_hwm PID: reset the peak resident set of PID
# to its current one (Linux >= 4.0) / print it in kB (empty if unknown).
bench_hwm_reset() { echo 5 2>/dev/null >"/proc/$1/clear_refs" || true; }
bench_hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status" 2>/dev/null || true; }

# bench_cpu_ticks PID: the CPU time (clock ticks, user + system) used so
# far by PID and its descendants (uvicorn's workers).
bench_cpu_ticks() {
  # cat goes on past a process that has ended since the glob (and then
  # fails).  The command name, in parentheses, may hold spaces.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | sed 's/ (.*) / x /' | awk -v root="$1" '
    { ppid[$1] = $4; t[$1] = $14 + $15 }
    END {
      for (p in ppid) {
        q = p
        while (q != "" && q != 0 && q != root) q = (q in ppid) ? ppid[q] : ""
        if (q == root) s += t[p]
      }
      print s + 0
    }'
}

# bench_settle KEY: wait until server KEY (BENCH_PID_KEY; none: no wait)
# has used less than 5% of a CPU over half a second, i.e. has finished
# what the last run left queued (requests whose clients are gone), at most
# BENCH_SETTLE_MAX seconds (120).  Sets SETTLED to the seconds it waited.
bench_settle() {
  local pid=BENCH_PID_$1 hz a b half=0
  SETTLED=0
  [ -n "${!pid:-}" ] || return 0
  hz=$(getconf CLK_TCK)
  a=$(bench_cpu_ticks "${!pid}")
  while ((half < 2 * ${BENCH_SETTLE_MAX:-120})); do
    sleep 0.5
    b=$(bench_cpu_ticks "${!pid}")
    # Under 5% of 0.5 s: (b - a) / hz < 0.025 s.
    ((40 * (b - a) < hz)) && break
    a=$b
    half=$((half + 1))
  done
  SETTLED=$((half / 2))
}

# bench_reset KEY: undo what write runs added on server KEY, so every run
# measures the seeded data: posts after the seeded ones and all uploads
# (rows and stored files) are deleted, and the two tables vacuumed.
bench_reset() {
  local db=BENCH_DB_$1 dir=BENCH_UPLOADS_$1
  psql "${!db}" -qAt -v ON_ERROR_STOP=1 \
    -c "DELETE FROM uploads" \
    -c "DELETE FROM posts WHERE id > $(bench_seed "$1" post_id_max)" \
    -c "VACUUM ANALYZE posts, uploads" >/dev/null ||
    echo "bench: could not undo the writes on $1" >&2
  # Not the dot files: an upload still being written when wrk stopped.
  [ -z "${!dir:-}" ] || find "${!dir}" -type f ! -name '.*' -delete 2>/dev/null || true
}

# bench_record ...: one run as a line of BENCH_RESULTS (see report.py).
bench_record() {
  local IFS=$'\t'
  echo "$*" >>"$BENCH_RESULTS"
}

# bench_scenario [OPTIONS] NAME TITLE STATUS METHOD PATH: one scenario.
#
# Runners: our server at every BENCH_CLIENTS count, and at the first of
# them every other server of BENCH_SERVERS (the FastAPI reference) and,
# as the options say, the bare Kore server or pgbench.  Each
# server is probed once with curl (STATUS and, with --expect, a piece of
# the body) and warmed up for BENCH_WARMUP; then BENCH_ROUNDS rounds run
# every runner once, the order rotating by one each round.  Before each
# run of ours its peak RSS is reset, after it read; after every run the
# server is let settle (bench_settle).  Every run is recorded; then
# report.py prints the scenario's rows (medians, ratios).
# PATH may hold {post_id}: the seeded middle post (the probe; the Lua
# scripts pick random ones).
#   --class C     read, write or upload: the target against FastAPI
#                 (100x for reads, 50x for the others); none: no target
#   --lua FILE    wrk script (default lua/report.lua)
#   --body BODY   the body the probe sends (JSON, or @png)
#   --auth        each server's token in BENCH_TOKEN (probe and wrk)
#   --token T     T in BENCH_TOKEN instead (a made-up one)
#   --login       each server's seeded account in BENCH_LOGIN_EMAIL and
#                 BENCH_LOGIN_PASSWORD (lua/login.lua; the probe's body)
#   --expect STR  the probe's body must contain STR
#   --baseline    the bare Kore server too (when running), at every
#                 BENCH_BASELINE_CLIENTS count
#   --pgbench F   pgbench running script F at the first client count, and
#                 the kore_pgsql anchor (when running) beside it: the two
#                 yardsticks of GET /posts/{id}
#   --only-ours   no other application server
#   --reset       undo the writes after every run (bench_reset)
# Fails when a probe does not get what it expects or a run fails.
bench_scenario() {
  local class=none lua=$BENCH_DIR/lua/report.lua body='' auth=0 login=0 expect=''
  local baseline=0 pgbench='' only_ours=0 reset=0 token=''
  while [ $# -gt 0 ]; do
    case $1 in
      --class) class=$2; shift 2 ;;
      --lua) lua=$2; shift 2 ;;
      --body) body=$2; shift 2 ;;
      --auth) auth=1; shift ;;
      --token) token=$2; shift 2 ;;
      --login) login=1; shift ;;
      --expect) expect=$2; shift 2 ;;
      --baseline) baseline=1; shift ;;
      --pgbench) pgbench=$2; shift 2 ;;
      --only-ours) only_ours=1; shift ;;
      --reset) reset=1; shift ;;
      *) break ;;
    esac
  done
  local name=$1 title=$2 want=$3 method=$4 path=$5
  local -a clients servers keys runners
  read -r -a clients <<<"$BENCH_CLIENTS"
  read -r -a servers <<<"${BENCH_SERVERS:-ours}"
  local c0=${clients[0]} key c i r n ok=1 kind label run probe_body target
  local -A status

  keys=(ours)
  for c in "${clients[@]}"; do runners+=("wrk ours $c"); done
  if [ "$baseline" = 1 ]; then
    for key in khello; do
      [ -n "$(bench_var BENCH_URL_$key)" ] || continue
      keys+=("$key")
      for c in $BENCH_BASELINE_CLIENTS; do runners+=("wrk $key $c"); done
    done
  fi
  if [ -n "$pgbench" ]; then
    runners+=("pgbench ours $c0")
    if [ -n "$(bench_var BENCH_URL_kpg)" ]; then keys+=(kpg); runners+=("wrk kpg $c0"); fi
  fi
  if [ "$only_ours" = 0 ]; then
    for key in "${servers[@]:1}"; do keys+=("$key"); runners+=("wrk $key $c0"); done
  fi

  # What differs per server goes into the environment of curl and wrk;
  # target is the URL of the request (the scripts that draw their
  # requests, post-get.lua and mixed.lua, ignore its path).
  server_env() {
    target=BENCH_URL_$1
    target=${!target}$path
    # The bare servers have no data (kpg reads ours': BENCH_SEED_kpg).
    [ -n "$(bench_var "BENCH_SEED_$1")" ] || return 0
    [[ $path != *'{post_id}'* ]] || target=${target//\{post_id\}/$(bench_seed "$1" post_id)}
    export BENCH_TOKEN=$token BENCH_ID_MIN BENCH_ID_MAX
    [ "$auth" = 0 ] || BENCH_TOKEN=$(bench_seed "$1" token)
    BENCH_ID_MIN=$(bench_seed "$1" post_id_min)
    BENCH_ID_MAX=$(bench_seed "$1" post_id_max)
    if [ "$login" = 1 ]; then
      export BENCH_LOGIN_EMAIL BENCH_LOGIN_PASSWORD
      BENCH_LOGIN_EMAIL=$(bench_seed "$1" login_email)
      BENCH_LOGIN_PASSWORD=$(bench_seed "$1" login_password)
    fi
  }
  # measure KIND KEY CLIENTS DURATION: one run into the WRK_* variables.
  measure() {
    if [ "$1" = pgbench ]; then
      bench_pgbench "$pgbench" "$3" "$4"
    else
      bench_wrk "$3" "$4" "$target" "$lua"
    fi
  }

  for key in "${keys[@]}"; do
    server_env "$key"
    probe_body=$body
    if [ "$login" = 1 ]; then
      probe_body=$(printf '{"email":"%s","password":"%s"}' "$BENCH_LOGIN_EMAIL" "$BENCH_LOGIN_PASSWORD")
    fi
    bench_probe "$method" "$target" "$probe_body" || true
    status[$key]=$PROBE_STATUS
    if [ "$PROBE_STATUS" != "$want" ]; then
      ok=0
      echo "bench: $title: $key answered the probe with $PROBE_STATUS, not $want: ${PROBE_BODY:0:200}" >&2
    elif [ -n "$expect" ] && [[ $PROBE_BODY != *"$expect"* ]]; then
      ok=0
      status[$key]="$PROBE_STATUS without $expect"
      echo "bench: $title: $key's probe body lacks $expect: ${PROBE_BODY:0:200}" >&2
    fi
  done
  [ "$reset" = 0 ] || for key in "${keys[@]}"; do bench_reset "$key"; done

  for run in "${runners[@]}"; do
    read -r kind key c <<<"$run"
    # Once per server (and pgbench), at the comparison's client count.
    [ "$c" = "$c0" ] || continue
    echo "bench: $title: warming up $kind $key ($BENCH_WARMUP)" >&2
    server_env "$key"
    measure "$kind" "$key" "$c" "$BENCH_WARMUP" || ok=0
    bench_settle "$key"
    [ "$reset" = 0 ] || ! bench_is_app "$key" || bench_reset "$key"
  done

  n=${#runners[@]}
  for ((r = 0; r < BENCH_ROUNDS; r++)); do
    for ((i = 0; i < n; i++)); do
      read -r kind key c <<<"${runners[(i + r) % n]}"
      echo "bench: $title: $kind $key -c$c, round $((r + 1)) of $BENCH_ROUNDS" >&2
      server_env "$key"
      local pid=BENCH_PID_$key hwm=''
      [ "$key:$kind" != ours:wrk ] || bench_hwm_reset "${!pid}"
      if measure "$kind" "$key" "$c" "$BENCH_DURATION"; then
        [ "$key:$kind" != ours:wrk ] || hwm=$(bench_hwm "${!pid}")
      else
        ok=0
        WRK_RPS=0 WRK_P50=0 WRK_P99=0 WRK_REQUESTS=0 WRK_NON2XX=0 WRK_ERRORS=failed WRK_STATUSES=
      fi
      bench_settle "$key"
      [ "$reset" = 0 ] || ! bench_is_app "$key" || bench_reset "$key"
      label=BENCH_LABEL_$key
      [ "$kind" = wrk ] || label=BENCH_LABEL_pgbench
      bench_record "$name" "$title" "$class" "$kind" "$key" "${!label}" "$c" "$r" \
        "$WRK_RPS" "$WRK_P50" "$WRK_P99" "$WRK_REQUESTS" "$WRK_NON2XX" "$WRK_ERRORS" \
        "${status[$key]}" "$want" "${hwm:--}" "${WRK_STATUSES:--}" "$SETTLED"
    done
  done
  python3 "$BENCH_DIR/report.py" rows "$BENCH_RESULTS" "$name" "$c0"
  [ "$ok" = 1 ]
}
