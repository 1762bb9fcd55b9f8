#!/usr/bin/env bash
# notfound.sh - GET /nope on ours: no route, so server_prepare() answers
# 404 with the JSON error envelope on the I/O thread (built with jansson
# per request).  Compare with GET / for what the envelope costs.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_probe GET "$BENCH_OURS/nope"
responses_note=
case $PROBE_BODY in
  *'"success"'*false*'"message"'*) ;;
  *) responses_note="; **probe body is not the envelope: ${PROBE_BODY:0:80}**" ;;
esac
bench_wrk "$BENCH_OURS/nope"
bench_row "GET /nope (404)" "ours" "" "$(bench_responses 404)$responses_note"
[ "$PROBE_STATUS" = 404 ] && [ -z "$responses_note" ]
