#!/usr/bin/env bash
# compare-5-posts-create.sh - POST /posts with a bearer token on ours and
# on the FastAPI reference: token and user as for /users/me, the body
# parsed and validated, one INSERT ... RETURNING committed (synchronous
# commit: a WAL flush each).  Runs after the reads, so the rows it adds do
# not change what they measure.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

body='{"title":"Hello, world","content":"My first post.","published":true}'
bench_compare --auth --lua "$BENCH_DIR/lua/post.lua" --body "$body" \
  --expect '"author_id"' "POST /posts (token)" 201 POST /posts
