#!/usr/bin/env bash
# root.sh - GET / on our server and on the bare Kore page handler of
# bench/baseline/kore_hello (issue 12: ours >= 0.9x of it), and on FastAPI:
# the same 43-byte JSON answer, so the ratio to the bare server is what our
# runtime costs per request (routing, request id, middleware, access log)
# over Kore alone.  The handler runs inline on the worker's event loop.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class read --baseline --expect '"API is running"' \
  root "GET /" 200 GET /
