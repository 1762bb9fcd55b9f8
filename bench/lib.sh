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
#                       bench_probe and by lua/post.lua
#
# A scenario prints one row per server it measures, with the columns of
# the table run.sh prints:
#   | scenario | server | requests/s | p50 | p99 | ours/baseline | responses |

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
# (connect/read/write/timeout).  Fails when wrk does.
bench_wrk() {
  local url=$1 lua=${2:-$BENCH_DIR/lua/report.lua} out line
  out=$(wrk -t"$BENCH_WRK_THREADS" -c"$BENCH_CONNECTIONS" -d"$BENCH_DURATION" \
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
