# shellcheck shell=bash disable=SC2034  # the variables set are for the scenarios
# lib.sh - what the scenario scripts share: one probe with curl, one wrk
# run, one markdown row.  Sourced by bench/scenarios/*.sh, which run.sh
# starts with these in the environment:
#
#   BENCH_OURS          our server's base URL (http://127.0.0.1:PORT)
#   BENCH_BASELINE      the bare libmicrohttpd server's (bench/baseline)
#   BENCH_DURATION      wrk -d, default 10s
#   BENCH_CONNECTIONS   wrk -c, default 64
#   BENCH_WRK_THREADS   wrk -t, default 2
#   BENCH_DIR           this directory, absolute
#   BENCH_TOKEN         when set, sent as "Authorization: Bearer ..." by
#                       bench_probe and by lua/post.lua and lua/auth.lua
#
# A scenario prints one row per server it measures, with the columns of
# the table run.sh prints:
#   | scenario | server | requests/s | p50 | p99 | ours/baseline | responses |
#
# The comparison with the FastAPI reference (run.sh --anchor) adds, for
# the compare-*.sh scenarios (see bench_compare below):
#
#   BENCH_COMPARE       the servers compared, in order: "ours ref1 ref2"
#   BENCH_URL_<KEY>     each one's base URL
#   BENCH_LABEL_<KEY>   its name in the table ("FastAPI, 1 worker")
#   BENCH_SEED_<KEY>    the file of bench/seed.py's output for it (token,
#                       post id, login account)
#   BENCH_COMPARE_ROUNDS  runs per server and scenario (default 1; the
#                       median by requests/s is shown)
#   BENCH_COMPARE_CONNECTIONS  wrk -c of the comparison (run.sh: 32)

: "${BENCH_DURATION:=10s}" "${BENCH_CONNECTIONS:=64}" "${BENCH_WRK_THREADS:=2}"
: "${BENCH_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"

# bench_probe METHOD URL [BODY]: one request with curl; sets PROBE_STATUS
# and PROBE_BODY, so a scenario can check it measures what it says.
bench_probe() {
  local method=$1 url=$2 body=${3-} out
  local -a args=(-s -X "$method" -w '\n%{http_code}' --max-time 10)
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  [ -n "${BENCH_TOKEN:-}" ] && args+=(-H "Authorization: Bearer $BENCH_TOKEN")
  out=$(curl "${args[@]}" "$url") || { PROBE_STATUS=000; PROBE_BODY=; return 1; }
  PROBE_STATUS=${out##*$'\n'}
  PROBE_BODY=${out%$'\n'*}
}

# bench_wrk URL [LUA]: one wrk run (LUA defaults to lua/report.lua); sets
# WRK_REQUESTS, WRK_RPS, WRK_P50 and WRK_P99 (ms), WRK_NON2XX, WRK_ERRORS
# (connect/read/write/timeout).  Fails when wrk does.  WRK_C and WRK_D,
# when set, replace BENCH_CONNECTIONS and BENCH_DURATION for this run.
bench_wrk() {
  local url=$1 lua=${2:-$BENCH_DIR/lua/report.lua} out line
  out=$(wrk -t"$BENCH_WRK_THREADS" -c"${WRK_C:-$BENCH_CONNECTIONS}" \
        -d"${WRK_D:-$BENCH_DURATION}" \
        -s "$lua" "$url" 2>&1) || { echo "bench: wrk failed: $out" >&2; return 1; }
  line=$(grep '^BENCH ' <<<"$out") || { echo "bench: no result from wrk: $out" >&2; return 1; }
  WRK_REQUESTS=$(bench_field requests "$line")
  WRK_NON2XX=$(bench_field non2xx "$line")
  WRK_ERRORS=$(bench_field errors "$line")
  WRK_RPS=$(awk -v n="$WRK_REQUESTS" -v us="$(bench_field duration_us "$line")" \
    'BEGIN { printf "%.0f", (us > 0 ? n * 1e6 / us : 0) }')
  WRK_P50=$(bench_ms "$(bench_field p50_us "$line")")
  WRK_P99=$(bench_ms "$(bench_field p99_us "$line")")
}

bench_field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<" $2"; }
bench_ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }

# bench_ratio A B: A / B with two decimals, as "0.87×".
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else printf "n/a" }'; }

# bench_responses EXPECTED: what the last wrk run got, in words, given the
# status the probe saw (wrk itself only counts "not 2xx or 3xx").
bench_responses() {
  local want=$1 s
  if [ "$PROBE_STATUS" != "$want" ]; then
    s="**expected $want, probe got $PROBE_STATUS**"
  elif [ "$want" -lt 400 ] && [ "$WRK_NON2XX" = 0 ]; then
    s="all $want"
  elif [ "$want" -ge 400 ] && [ "$WRK_NON2XX" = "$WRK_REQUESTS" ]; then
    s="all $want"
  else
    s="$want in probe; wrk: $WRK_NON2XX of $WRK_REQUESTS not 2xx/3xx"
  fi
  [ "$WRK_ERRORS" = 0/0/0/0 ] || s="$s; socket errors c/r/w/t $WRK_ERRORS"
  printf '%s' "$s"
}

# bench_row SCENARIO SERVER RATIO RESPONSES: the row for the last wrk run.
bench_row() {
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$WRK_RPS" \
    "$WRK_P50" "$WRK_P99" "$3" "$4"
}

# bench_seed KEY FIELD: FIELD (token, post_id, login_email,
# login_password) from bench/seed.py's output for server KEY.
bench_seed() {
  local file=BENCH_SEED_$1
  sed -n "s/^$2=//p" "${!file}"
}

# bench_compare [OPTIONS] TITLE STATUS METHOD PATH: the same request on
# every server of BENCH_COMPARE (ours and the FastAPI reference, run.sh
# --anchor), one row each; the rows of the others carry ours' requests/s
# divided by theirs.  Each server is probed once with curl (STATUS and,
# with --expect, a piece of the body), warmed up for BENCH_WARMUP, then
# measured BENCH_COMPARE_ROUNDS times, the servers taking turns (the
# order rotates each round); the median run by requests/s is shown.
# PATH may hold {post_id}, replaced by the seeded post's id on each server.
#   --lua FILE    wrk script (default lua/report.lua)
#   --body JSON   the body the probe sends (the one FILE sends)
#   --auth        each server's own token in BENCH_TOKEN (probe and wrk)
#   --login       each server's seeded account in BENCH_LOGIN_EMAIL and
#                 BENCH_LOGIN_PASSWORD (lua/login.lua)
#   --expect STR  the probe's body must contain STR
#   -c N, -d DUR  connections and duration instead of
#                 BENCH_COMPARE_CONNECTIONS (else BENCH_CONNECTIONS) and
#                 BENCH_DURATION (and the warm-up's duration at most DUR)
# Fails when a probe does not get what it expects or wrk fails.
bench_compare() {
  local lua=$BENCH_DIR/lua/report.lua body='' auth=0 login=0 expect=''
  local c=${BENCH_COMPARE_CONNECTIONS:-} d=''
  while [ $# -gt 0 ]; do
    case $1 in
      --lua) lua=$2; shift 2 ;;
      --body) body=$2; shift 2 ;;
      --auth) auth=1; shift ;;
      --login) login=1; shift ;;
      --expect) expect=$2; shift 2 ;;
      -c) c=$2; shift 2 ;;
      -d) d=$2; shift 2 ;;
      *) break ;;
    esac
  done
  local title=$1 want=$2 method=$3 path=$4
  local rounds=${BENCH_COMPARE_ROUNDS:-1} warm=${BENCH_WARMUP:-2s}
  local -a keys
  read -r -a keys <<<"${BENCH_COMPARE:?bench_compare: BENCH_COMPARE is not set (run.sh --anchor)}"
  local key url i r n ok=1 body_now
  local -A status note runs

  # What differs per server goes into the environment of curl and wrk.
  server_env() {
    url=BENCH_URL_$1
    url=${!url}${path//\{post_id\}/$(bench_seed "$1" post_id)}
    if [ "$auth" = 1 ]; then export BENCH_TOKEN; BENCH_TOKEN=$(bench_seed "$1" token); fi
    if [ "$login" = 1 ]; then
      export BENCH_LOGIN_EMAIL BENCH_LOGIN_PASSWORD
      BENCH_LOGIN_EMAIL=$(bench_seed "$1" login_email)
      BENCH_LOGIN_PASSWORD=$(bench_seed "$1" login_password)
    fi
  }

  if [ -n "$d" ] && [ "${warm%s}" -gt "${d%s}" ] 2>/dev/null; then warm=$d; fi
  for key in "${keys[@]}"; do
    server_env "$key"
    body_now=$body
    if [ "$login" = 1 ]; then
      body_now=$(printf '{"email":"%s","password":"%s"}' "$BENCH_LOGIN_EMAIL" "$BENCH_LOGIN_PASSWORD")
    fi
    bench_probe "$method" "$url" "$body_now" || true
    status[$key]=$PROBE_STATUS
    note[$key]=
    if [ "$PROBE_STATUS" != "$want" ]; then
      ok=0
    elif [ -n "$expect" ] && [[ $PROBE_BODY != *"$expect"* ]]; then
      ok=0
      note[$key]="; **probe body lacks $expect: ${PROBE_BODY:0:80}**"
    fi
    echo "bench: $title: warming up $key ($warm)" >&2
    WRK_C=$c WRK_D=$warm bench_wrk "$url" "$lua" >/dev/null || return 1
  done
  n=${#keys[@]}
  for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < n; i++)); do
      key=${keys[(i + r) % n]}
      server_env "$key"
      echo "bench: $title: $key, round $((r + 1)) of $rounds" >&2
      WRK_C=$c WRK_D=$d bench_wrk "$url" "$lua" || return 1
      runs[$key]+="$WRK_RPS|$WRK_P50|$WRK_P99|$WRK_REQUESTS|$WRK_NON2XX|$WRK_ERRORS"$'\n'
    done
  done

  local ours_rps='' label ratio m
  for key in "${keys[@]}"; do
    m=$(printf '%s' "${runs[$key]}" | sort -t'|' -k1,1n | sed -n "$(( (rounds + 1) / 2 ))p")
    IFS='|' read -r WRK_RPS WRK_P50 WRK_P99 WRK_REQUESTS WRK_NON2XX WRK_ERRORS <<<"$m"
    label=BENCH_LABEL_$key
    ratio=
    if [ -z "$ours_rps" ]; then
      ours_rps=$WRK_RPS
    else
      ratio="**$(bench_ratio "$ours_rps" "$WRK_RPS")**"
    fi
    PROBE_STATUS=${status[$key]}
    bench_row "$title" "${!label}" "$ratio" "$(bench_responses "$want")${note[$key]}"
  done
  [ "$ok" = 1 ]
}
