#!/usr/bin/env bash
# compare-4-users-me.sh - GET /users/me with a bearer token on ours and on
# the FastAPI reference: an HS256 JWT verified, then the user loaded from
# the database.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_compare --auth --lua "$BENCH_DIR/lua/auth.lua" --expect '"email"' \
  "GET /users/me (token)" 200 GET /users/me
