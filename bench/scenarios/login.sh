#!/usr/bin/env bash
# login.sh - POST /auth/login with seed.py's account (lua/login.lua): the
# user looked up, an Argon2id verify (t=2, 64 MiB, p=1 in ours and in
# FastAPI), a JWT signed, a login-log line written by a background task.
# CPU bound: its throughput is the machine's hashing rate, and at -c256
# the server's peak RSS (target 5) depends on how many hashes it runs at
# once.  Class write: a POST that writes the login log.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class write --login --lua "$BENCH_DIR/lua/login.lua" \
  --expect '"access_token"' login "POST /auth/login (Argon2id)" 200 POST /auth/login
