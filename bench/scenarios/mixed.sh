#!/usr/bin/env bash
# mixed.sh - the mixed run (lua/mixed.lua), authenticated: 80% reads (60%
# GET /posts/{random id}, 20% GET /posts?page=N&per_page=20), 15% POST
# /posts, 5% POST /uploads/image with the 100 KiB PNG; responses counted
# by status.  What it writes is deleted after every run (bench_reset).
# The probe reads the middle post.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class write --auth --lua "$BENCH_DIR/lua/mixed.lua" --reset \
  --expect '"author"' mixed "mixed: 80% reads, 15% writes, 5% uploads" 200 GET "/posts/{post_id}"
