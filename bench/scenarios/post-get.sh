#!/usr/bin/env bash
# post-get.sh - GET /posts/{id} of a random seeded post on every request
# (lua/post-get.lua), and pgbench running the very query our handler runs
# (target 2: ours >= 0.8x of pgbench): PostGet, taken from
# sql/queries/posts.sql by its "-- name: PostGet" header so that it cannot
# drift, $1 replaced by :id, a random seeded id per transaction,
# -M prepared, as many clients as wrk, one thread, the same database.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"

# From the header to the line ending the statement.
sql=$(awk '/^-- name: PostGet /{ f = 1; next } f { print } f && /;[[:space:]]*$/ { exit }' \
  "$BENCH_DIR/../sql/queries/posts.sql")
case $sql in
  '' | *"\$2"*) echo "post-get.sh: PostGet not found, or with more than \$1: $sql" >&2; exit 1 ;;
esac
script=$BENCH_STATE/post-get.pgbench
{
  echo "\\set id random($(bench_seed ours post_id_min), $(bench_seed ours post_id_max))"
  echo "${sql//\$1/:id}"
} >"$script"

bench_scenario --class read --lua "$BENCH_DIR/lua/post-get.lua" --pgbench "$script" \
  --expect '"author"' post-get "GET /posts/{id}" 200 GET "/posts/{post_id}"
