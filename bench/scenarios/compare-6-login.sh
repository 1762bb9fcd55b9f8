#!/usr/bin/env bash
# compare-6-login.sh - POST /auth/login on ours and on the FastAPI
# reference: the user looked up, an Argon2id verify (t=2, 64 MiB, p=1 in
# both: libsodium's interactive limits), a JWT signed, a login-log line
# written by a background task.  CPU bound: 4 connections (2 per CPU)
# and a short run, BENCH_LOGIN_CONNECTIONS and BENCH_LOGIN_DURATION.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_compare --login --lua "$BENCH_DIR/lua/login.lua" --expect '"access_token"' \
  -c "${BENCH_LOGIN_CONNECTIONS:-4}" -d "${BENCH_LOGIN_DURATION:-10s}" \
  "POST /auth/login (Argon2id)" 200 POST /auth/login
