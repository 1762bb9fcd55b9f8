#!/usr/bin/env bash
# posts-create.sh - POST /posts with a bearer token: the token verified,
# the user loaded, the body validated, one INSERT ... RETURNING committed
# (synchronous commit: a WAL flush each).  The posts added are deleted
# after every run (bench_reset), so each run starts from the seeded data.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

body='{"title":"Hello, world","content":"My first post.","published":true}'
bench_scenario --class write --auth --lua "$BENCH_DIR/lua/post.lua" --body "$body" \
  --reset --expect '"author_id"' posts-create "POST /posts (token)" 201 POST /posts
