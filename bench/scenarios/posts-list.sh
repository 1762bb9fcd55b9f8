#!/usr/bin/env bash
# posts-list.sh - GET /posts?page=3&per_page=20: the count of all posts,
# then one page of 20 newest first, in the page envelope.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_scenario --class read --expect '"total_pages"' \
  posts-list "GET /posts?page=3&per_page=20" 200 GET "/posts?page=3&per_page=20"
