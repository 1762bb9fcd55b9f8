#!/usr/bin/env bash
# users-me.sh - GET /users/me with a bearer token: an HS256 JWT verified,
# then the user loaded.  Not one of issue 8's scenarios: run it by name
# (BENCH_SCENARIOS).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class read --auth --lua "$BENCH_DIR/lua/auth.lua" --expect '"email"' \
  users-me "GET /users/me (token)" 200 GET /users/me
