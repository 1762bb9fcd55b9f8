#!/usr/bin/env bash
# compare-3-post-get.sh - GET /posts/{id} of a seeded post on ours and on
# the FastAPI reference: the post with its author (ours: one query with a
# join; the reference: the post, then its author through the ORM relation).
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

bench_compare --expect '"author"' "GET /posts/{id}" 200 GET "/posts/{post_id}"
