#!/usr/bin/env bash
# stub.sh - POST /posts with a small JSON body and a malformed bearer
# token on ours.  A credential is present, so the security precheck lets
# the request through: its body is read, it is suspended, runs on the
# worker pool, where the token fails its signature check (no database
# work), and is resumed with a 401.  This measures the suspend/resume
# round trip.  (Until the posts handlers existed the operation was a
# generated 501 stub, hence the name; without any token the 401 would be
# answered on the I/O thread before the body, closing the connection.)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

# The body post.lua sends; it sends BENCH_TOKEN too.
export BENCH_TOKEN=not-a-jwt
body='{"title":"Hello, world","content":"My first post.","published":true}'
bench_probe POST "$BENCH_OURS/posts" "$body"
bench_wrk "$BENCH_OURS/posts" "$BENCH_DIR/lua/post.lua"
bench_row "POST /posts (bad token, worker pool)" "ours" "" "$(bench_responses 401)"
[ "$PROBE_STATUS" = 401 ]
