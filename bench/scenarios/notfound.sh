#!/usr/bin/env bash
# notfound.sh - GET /nope on ours: no route, so the 404 error envelope is
# answered on the I/O thread.  Compare with GET / for what the envelope
# costs.  Not one of issue 8's scenarios: run it by name (BENCH_SCENARIOS).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --only-ours --expect '"message"' notfound "GET /nope (404)" 404 GET /nope
