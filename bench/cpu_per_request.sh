#!/usr/bin/env bash
# cpu_per_request.sh SERVER [PATH] - the server's own CPU time per request
# (user + system, from /proc) under wrk, for comparing two builds on a
# machine that is busy with other work: requests/s then move with the
# neighbours' load, CPU per request much less.
#
#   DATABASE_URL=... bench/cpu_per_request.sh build/release/bin/server /
#
# Runs the server in a temporary directory on a random loopback port
# against DATABASE_URL, warms up 1 s, measures BENCH_DURATION (5s) of
# wrk -t1 -c32, prints one line, stops the server.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
srv=$(realpath "$1")
path=${2:-/}
: "${DATABASE_URL:?set DATABASE_URL}"
state=$(mktemp -d)
port=$((20000 + RANDOM % 10000))
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$state"' EXIT
cd "$state"
PORT=$port STATIC_DIR=$repo/node_modules MIGRATIONS_DIR=$repo/sql/migrations \
  QUERIES_DIR=$repo/sql/queries PER_IP_CONNECTION_LIMIT=0 \
  "$srv" >/dev/null 2>server.err &
pid=$!
for _ in $(seq 100); do
  grep -q "listening on" server.err 2>/dev/null && break
  sleep 0.1
done
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
wrk -t1 -c32 -d1s "http://127.0.0.1:$port$path" >/dev/null
t0=$(cpu)
n=$(wrk -t1 -c32 -d"${BENCH_DURATION:-5s}" "http://127.0.0.1:$port$path" |
  awk '/requests in/ {print $1}')
t1=$(cpu)
awk -v n="$n" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v s="$1" \
  'BEGIN { printf "%s: %d requests, %.2f us CPU per request\n", s, n, t * 1e6 / hz / n }'
