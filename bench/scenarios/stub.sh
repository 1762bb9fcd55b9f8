#!/usr/bin/env bash
# stub.sh - POST /posts with a small JSON body on ours: the operation has
# no handler yet, so the generated stub answers 501.  It is not an inline
# route, so every request reads its body, is suspended, runs on the worker
# pool and is resumed: this measures the suspend/resume round trip.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

# The body post.lua sends.
body='{"title":"Hello, world","content":"My first post.","published":true}'
bench_probe POST "$BENCH_OURS/posts" "$body"
bench_wrk "$BENCH_OURS/posts" "$BENCH_DIR/lua/post.lua"
bench_row "POST /posts (stub)" "ours" "" "$(bench_responses 501)"
[ "$PROBE_STATUS" = 501 ]
