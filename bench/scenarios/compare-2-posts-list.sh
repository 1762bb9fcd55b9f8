#!/usr/bin/env bash
# compare-2-posts-list.sh - GET /posts?page=1&per_page=10 on ours and on
# the FastAPI reference: two queries (count of all posts, then one page of
# 10 newest first) and a Page[Post] envelope of about 4 KB.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_compare --expect '"total_pages"' "GET /posts?page=1&per_page=10" 200 \
  GET "/posts?page=1&per_page=10"
