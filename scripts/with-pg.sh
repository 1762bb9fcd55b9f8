#!/usr/bin/env bash
#
# with-pg.sh CMD [ARG...] - run CMD with a database in DATABASE_URL.
#
# When DATABASE_URL is already set, CMD simply runs (exec) against it.
# Otherwise the private cluster of scripts/pg.sh is started (unless it is
# running already), database PGDATABASE_NAME (default app) is created if
# missing, DATABASE_URL is exported, and CMD runs.  On exit, on Ctrl-C or
# on TERM, the cluster is stopped again only if this script started it,
# so a cluster a developer keeps running stays up.  The exit status is
# CMD's (128+N when CMD died of signal N).
#
# Environment: DATABASE_URL, PGDATABASE_NAME, and pg.sh's PGDATA_DIR,
# PGPORT_PRIVATE, PG_BINDIR.
#
#   scripts/with-pg.sh make unit
#   scripts/with-pg.sh build/debug/bin/server
set -u

if [ $# -eq 0 ]; then
	echo "usage: with-pg.sh CMD [ARG...]" >&2
	exit 2
fi
if [ -n "${DATABASE_URL:-}" ]; then
	exec "$@"
fi

pg=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/pg.sh
name=${PGDATABASE_NAME:-app}
started=0
child=

# shellcheck disable=SC2317  # trap handlers
cleanup() {
	if [ "$started" = 1 ]; then
		"$pg" stop || echo "with-pg.sh: could not stop the cluster" >&2
	fi
}

# CMD runs in the background so that a TERM sent to this script reaches
# it at once (bash would otherwise hold the trap until CMD ends).  Such a
# child ignores SIGINT, so Ctrl-C is passed on as TERM.
# shellcheck disable=SC2317
forward() {
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
	else
		exit "$1"
	fi
}

trap cleanup EXIT
trap 'forward 130' INT
trap 'forward 143' TERM

if ! "$pg" status >/dev/null 2>&1; then
	started=1
	"$pg" start || exit 1
fi
"$pg" createdb "$name" || exit 1
DATABASE_URL=$("$pg" url "$name") || exit 1
export DATABASE_URL

"$@" <&0 &
child=$!
# A trapped signal interrupts wait (status > 128): wait again until CMD
# itself has ended; bash remembers its status even once reaped.
while :; do
	wait "$child"
	status=$?
	[ "$status" -gt 128 ] || break
	kill -0 "$child" 2>/dev/null && continue
	wait "$child" 2>/dev/null
	last=$?
	[ "$last" -eq 127 ] || status=$last
	break
done
exit "$status"
