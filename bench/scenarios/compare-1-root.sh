#!/usr/bin/env bash
# compare-1-root.sh - GET / on ours and on the FastAPI reference (run.sh
# --anchor): no database, no authentication; what each framework costs
# per request (parsing, routing, middleware: CORS, security headers,
# X-Process-Time, request id, console and request-log lines).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_compare --expect '"API is running"' "GET /" 200 GET /
