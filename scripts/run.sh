#!/usr/bin/env bash
# run.sh [KORE_CONF] - serve the example application under Kore (what
# `make run` does after building): kore -c KORE_CONF (default kore.conf)
# in the foreground; Ctrl-C stops it.
#
# DATABASE_URL may come from the environment, .env or server.conf.  When
# none of them sets it, a private PostgreSQL cluster is started under
# .data/pg (scripts/pg.sh) for as long as the server runs, and stopped
# cleanly after it.  Every other setting is read by the application itself
# (server.conf < .env < environment); Kore's own are in KORE_CONF.
set -euo pipefail
cd "$(dirname "$0")/.."
conf=${1:-kore.conf}
# -f foreground, -n no chroot, -r no privilege drop (kore.prod.conf is
# the production set-up); stdbuf: Kore's own lines reach the terminal as
# they are written.
server=(stdbuf -oL kore -c "$conf" -f -n -r)

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
  exec "${server[@]}"
fi
echo "run: DATABASE_URL is not set; using a private PostgreSQL under .data/pg"
exec scripts/with-pg.sh "${server[@]}"
