#!/usr/bin/env bash
# root.sh - GET / on the bare libmicrohttpd server and on ours: the same
# 43-byte JSON answer, so the ratio is what our runtime costs per request
# (routing, request id, middleware, access log) over libmicrohttpd alone.
# The handler runs inline on the I/O thread, not on the worker pool.
#
# wrk shares the CPUs with the servers, so one run of each varies by 5-10%
# (more when the machine is busy).  The two are measured in alternating
# order over BENCH_ROUNDS rounds (default 3); each row is the median run
# by requests/s, the ratio is of the medians, and the range of the
# per-round ratios shows how much to trust it.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
rounds=${BENCH_ROUNDS:-3}

bench_probe GET "$BENCH_BASELINE/"
base_status=$PROBE_STATUS
bench_probe GET "$BENCH_OURS/"
ours_status=$PROBE_STATUS

# measure base|ours URL: one run, kept as
# "rps|p50|p99|requests|non2xx|errors".
base_runs=() ours_runs=()
measure() {
  bench_wrk "$2/"
  local run="$WRK_RPS|$WRK_P50|$WRK_P99|$WRK_REQUESTS|$WRK_NON2XX|$WRK_ERRORS"
  if [ "$1" = base ]; then base_runs+=("$run"); else ours_runs+=("$run"); fi
}
for ((r = 0; r < rounds; r++)); do
  if ((r % 2 == 0)); then
    measure base "$BENCH_BASELINE"; measure ours "$BENCH_OURS"
  else
    measure ours "$BENCH_OURS"; measure base "$BENCH_BASELINE"
  fi
done

# median RUN...: set the WRK_* variables from the median run by req/s.
median() {
  local m
  m=$(printf '%s\n' "$@" | sort -t'|' -k1,1n | sed -n "$(( ($# + 1) / 2 ))p")
  IFS='|' read -r WRK_RPS WRK_P50 WRK_P99 WRK_REQUESTS WRK_NON2XX WRK_ERRORS <<<"$m"
}

ratios=$(for ((r = 0; r < rounds; r++)); do
  awk -v a="${ours_runs[r]%%|*}" -v b="${base_runs[r]%%|*}" \
    'BEGIN { if (b > 0) printf "%.2f\n", a / b }'
done | sort -n)
range="$(head -1 <<<"$ratios")–$(tail -1 <<<"$ratios")"

median "${base_runs[@]}"
base_rps=$WRK_RPS
PROBE_STATUS=$base_status
bench_row "GET /" "bare libmicrohttpd" "" "$(bench_responses 200)"
median "${ours_runs[@]}"
PROBE_STATUS=$ours_status
bench_row "GET /" "ours" \
  "**$(bench_ratio "$WRK_RPS" "$base_rps")** req/s (rounds: $range)" \
  "$(bench_responses 200)"
[ "$base_status" = 200 ] && [ "$ours_status" = 200 ]
