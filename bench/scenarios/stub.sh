#!/usr/bin/env bash
# stub.sh - POST /posts with a small JSON body and a malformed bearer
# token on ours.  A credential is present, so the security precheck lets
# the request through: its body is read, it is suspended, runs on the
# worker pool, where the token fails its signature check (no database
# work), and is resumed with a 401: the suspend/resume round trip.  Not
# one of issue 8's scenarios: run it by name (BENCH_SCENARIOS).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

body='{"title":"Hello, world","content":"My first post.","published":true}'
bench_scenario --only-ours --token not-a-jwt --lua "$BENCH_DIR/lua/post.lua" --body "$body" \
  stub "POST /posts (bad token, worker pool)" 401 POST /posts
