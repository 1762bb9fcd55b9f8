#!/usr/bin/env bash
# root.sh - GET / on our server and on the bare libmicrohttpd server of
# bench/baseline (target 1: ours >= 0.9x of it), and on FastAPI: the same
# 43-byte JSON answer, so the ratio to the bare server is what our runtime
# costs per request (routing, request id, middleware, access log) over
# libmicrohttpd alone.  The handler runs inline on the I/O thread.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class read --baseline --expect '"API is running"' \
  root "GET /" 200 GET /
