#!/usr/bin/env bash
# run.sh SERVER - serve the example application (what `make run` does after
# building).
#
# DATABASE_URL may come from the environment, .env or server.conf.  When
# none of them sets it, a private PostgreSQL cluster is started under
# .data/pg (scripts/pg.sh) for as long as the server runs, and stopped
# cleanly after it.  Every other setting is read by the server itself
# (server.conf < .env < environment).
set -euo pipefail
cd "$(dirname "$0")/.."
server=$(realpath "$1")

configured_url() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  local f
  for f in .env server.conf; do
    [ -f "$f" ] || continue
    grep -Eq '^[[:space:]]*(export[[:space:]]+)?DATABASE_URL[[:space:]]*=[[:space:]]*["'\'']?[^[:space:]"'\'']' "$f" \
      && return 0
  done
  return 1
}

if configured_url; then
  exec "$server"
fi
echo "run: DATABASE_URL is not set; using a private PostgreSQL under .data/pg"
exec scripts/with-pg.sh "$server"
