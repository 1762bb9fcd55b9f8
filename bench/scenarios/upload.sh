#!/usr/bin/env bash
# upload.sh - POST /uploads/image with a bearer token and a 100 KiB PNG
# (bench/png.py) as multipart/form-data (lua/upload.lua): streamed to a
# file, its type checked, a row inserted.  Files and rows are deleted
# after every run (bench_reset).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class upload --auth --lua "$BENCH_DIR/lua/upload.lua" --body @png \
  --reset --expect '"url"' upload "POST /uploads/image (100 KiB PNG)" 201 POST /uploads/image
