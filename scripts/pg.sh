#!/usr/bin/env bash
#
# pg.sh - a private PostgreSQL cluster for development and tests.
#
#   scripts/pg.sh start           initdb when needed, then start; idempotent
#   scripts/pg.sh stop            fast shutdown of our postmaster; idempotent
#   scripts/pg.sh status          exit 0 when running, 3 when not
#   scripts/pg.sh url [NAME]      postgresql://postgres@127.0.0.1:PORT/NAME
#   scripts/pg.sh createdb NAME   create database NAME unless it exists
#   scripts/pg.sh dropdb NAME     drop database NAME if it exists
#
# Environment:
#   PGDATA_DIR       the cluster's directory (default <repo>/.data/pg)
#   PGPORT_PRIVATE   its TCP port on 127.0.0.1 (default 25433: below the ephemeral port range, so no
#                    client socket of a test can be sitting on it)
#   PG_BINDIR        PostgreSQL's programs (default: the newest
#                    /usr/lib/postgresql/*/bin, or pg_config --bindir)
#   PGDATABASE_NAME  the default NAME for url (default app)
#
# The cluster listens on 127.0.0.1 only, keeps its Unix socket inside its
# own directory, and trusts every local connection (superuser "postgres",
# no password): it is for one developer's machine or a CI run, never for
# a shared host.  PostgreSQL refuses to run as root, so under root the
# server runs as the "postgres" OS user (via runuser) and owns PGDATA_DIR;
# other users run it as themselves.  The server log is PGDATA_DIR/log.
set -u

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
datadir=${PGDATA_DIR:-$repo/.data/pg}
port=${PGPORT_PRIVATE:-25433}

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

find_bindir() {
	local d v best='' bestv=0
	if [ -n "${PG_BINDIR:-}" ]; then
		echo "$PG_BINDIR"
		return
	fi
	# Debian's layout: /usr/lib/postgresql/MAJOR/bin; take the newest.
	for d in /usr/lib/postgresql/*/bin; do
		v=${d#/usr/lib/postgresql/}
		v=${v%/bin}
		case $v in
		"" | *[!0-9]*) continue ;;
		esac
		if [ -x "$d/initdb" ] && [ "$v" -gt "$bestv" ]; then
			best=$d
			bestv=$v
		fi
	done
	if [ -n "$best" ]; then
		echo "$best"
		return
	fi
	if command -v pg_config >/dev/null 2>&1; then
		pg_config --bindir
		return
	fi
	die "PostgreSQL server programs not found (install postgresql, or set PG_BINDIR)"
}

bindir=$(find_bindir) || exit 1
[ -x "$bindir/pg_ctl" ] || die "$bindir/pg_ctl not found (set PG_BINDIR)"
case $port in
*[!0-9]* | "") die "PGPORT_PRIVATE must be a port number, not '$port'" ;;
esac

# Canonical, as the postmaster records it in postmaster.pid.
datadir=$(realpath -m -- "$datadir") || die "bad PGDATA_DIR"

if [ "$(id -u)" -eq 0 ]; then
	as_owner() { runuser -u postgres -- "$@"; }
	owner=postgres
else
	as_owner() { "$@"; }
	owner=$(id -un)
fi

# Every directory above the data directory must be searchable by the
# user the server runs as, or initdb and the postmaster fail with a
# confusing "permission denied" deep inside.  Checked from / down, so the
# message names the directory to fix; parents still to be created are
# checked again once they exist.
check_reachable() {
	local d='' part rest=${datadir#/}
	[ "$owner" = postgres ] || return 0
	id postgres >/dev/null 2>&1 ||
		die "running as root needs the 'postgres' OS user (apt-get install postgresql creates it)"
	while [ -n "$rest" ]; do
		part=${rest%%/*}
		if [ "$part" = "$rest" ]; then
			break		# the data directory itself
		fi
		rest=${rest#*/}
		d=$d/$part
		[ -d "$d" ] || break
		if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
			die "the 'postgres' user cannot reach $datadir: no search permission on $d.
Run 'chmod o+x $d', or set PGDATA_DIR to a directory postgres can
reach, e.g. PGDATA_DIR=/var/tmp/pg-data."
		fi
	done
}

# The PID of our running postmaster, or nothing.  postmaster.pid says the
# PID and data directory; the process must be a postgres whose working
# directory is ours (the postmaster chdirs there), so a stale file whose
# PID was reused by something else is not mistaken for our server.
our_pid() {
	local pidfile=$datadir/postmaster.pid pid dir comm cwd
	[ -r "$pidfile" ] || return 0
	{ read -r pid; read -r dir; } <"$pidfile" || return 0
	case $pid in
	"" | *[!0-9]*) return 0 ;;
	esac
	[ "$dir" = "$datadir" ] || return 0
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0
	case $comm in
	postgres | postmaster) ;;
	*) return 0 ;;
	esac
	cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || cwd=$dir
	[ "$cwd" = "$datadir" ] || return 0
	echo "$pid"
}

# Our settings, rewritten at every start so PGPORT_PRIVATE may change.
write_conf() {
	cat >"$datadir/pg-sh.conf" <<EOF
# Written by scripts/pg.sh at every start; edits are lost.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$datadir'
fsync = on
timezone = 'UTC'
log_timezone = 'UTC'
EOF
	chown "$owner" "$datadir/pg-sh.conf"
}

do_init() {
	local log
	[ -f "$datadir/PG_VERSION" ] && return 0
	if [ -e "$datadir" ] && [ -n "$(ls -A "$datadir" 2>/dev/null)" ]; then
		die "$datadir exists, is not empty and holds no cluster; move it away or set PGDATA_DIR"
	fi
	check_reachable
	mkdir -p "$datadir" || die "cannot create $datadir"
	chown "$owner" "$datadir" || die "cannot chown $datadir to $owner"
	chmod 700 "$datadir"
	check_reachable
	echo "pg.sh: initdb $datadir" >&2
	log=$(mktemp) || die "mktemp failed"
	as_owner "$bindir/initdb" -D "$datadir" -U postgres -E UTF8 \
		--locale=C.UTF-8 --auth=trust >"$log" 2>&1 || {
		cat "$log" >&2
		rm -f "$log"
		die "initdb failed"
	}
	rm -f "$log"
	# Only the socket and 127.0.0.1, both trusted: no host lines for ::1
	# or replication.
	cat >"$datadir/pg_hba.conf" <<'EOF'
# Written by scripts/pg.sh: local socket and 127.0.0.1 only, trusted.
# TYPE	DATABASE	USER	ADDRESS		METHOD
local	all		all			trust
host	all		all	127.0.0.1/32	trust
EOF
	echo "include_if_exists = 'pg-sh.conf'" >>"$datadir/postgresql.conf"
	chown "$owner" "$datadir/pg_hba.conf" "$datadir/postgresql.conf"
}

do_start() {
	local pid
	pid=$(our_pid)
	if [ -n "$pid" ]; then
		echo "pg.sh: already running (pid $pid, port $(cur_port))" >&2
		return 0
	fi
	# The socket path must fit in sun_path (107 bytes).
	[ ${#datadir} -le 90 ] ||
		die "PGDATA_DIR is too long for a Unix socket path ($datadir); choose a shorter one"
	do_init
	check_reachable
	# Left by a crash, its PID now maybe someone else's: the postmaster
	# would refuse to start while that process lives.
	if [ -e "$datadir/postmaster.pid" ]; then
		echo "pg.sh: removing stale $datadir/postmaster.pid" >&2
		rm -f "$datadir/postmaster.pid"
	fi
	[ "$(stat -c %U "$datadir")" = "$owner" ] ||
		chown -R "$owner" "$datadir" || die "cannot chown $datadir"
	write_conf
	as_owner "$bindir/pg_ctl" -D "$datadir" -l "$datadir/log" -w -t 60 \
		-s start || {
		tail -n 20 "$datadir/log" >&2 2>/dev/null
		die "the server did not start (log: $datadir/log)"
	}
	echo "pg.sh: running on 127.0.0.1:$port (data $datadir)" >&2
}

do_stop() {
	local pid
	pid=$(our_pid)
	if [ -z "$pid" ]; then
		echo "pg.sh: not running" >&2
		return 0
	fi
	as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 60 -s stop ||
		die "pg_ctl stop failed (pid $pid)"
	echo "pg.sh: stopped" >&2
}

# The port the running server actually uses (line 4 of postmaster.pid).
cur_port() {
	sed -n 4p "$datadir/postmaster.pid" 2>/dev/null
}

do_status() {
	local pid
	pid=$(our_pid)
	if [ -z "$pid" ]; then
		echo "not running (data $datadir)"
		exit 3
	fi
	echo "running on 127.0.0.1:$(cur_port) (pid $pid, data $datadir)"
}

check_name() {
	[ $# -eq 1 ] || die "usage: pg.sh $cmd NAME"
	case $1 in
	[A-Za-z_]*) ;;
	*) die "database name must start with a letter or '_': '$1'" ;;
	esac
	case $1 in
	*[!A-Za-z0-9_]*) die "database name may hold only letters, digits and '_': '$1'" ;;
	esac
	[ ${#1} -le 63 ] || die "database name longer than 63 bytes: '$1'"
}

need_running() {
	[ -n "$(our_pid)" ] || die "not running (run: scripts/pg.sh start)"
}

# Clients connect over the socket in the data directory as "postgres".
pg_client() {
	local prog=$1
	shift
	"$bindir/$prog" -h "$datadir" -p "$(cur_port)" -U postgres "$@"
}

do_createdb() {
	local exists
	check_name "$@"
	need_running
	exists=$(pg_client psql -d postgres -XtAq -c \
		"SELECT 1 FROM pg_database WHERE datname = '$1'") ||
		die "cannot query the server"
	if [ "$exists" = 1 ]; then
		return 0
	fi
	pg_client createdb -E UTF8 -T template0 "$1" ||
		die "createdb $1 failed"
}

do_dropdb() {
	check_name "$@"
	need_running
	pg_client dropdb --if-exists --force "$1" || die "dropdb $1 failed"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
url)
	name=${1:-${PGDATABASE_NAME:-app}}
	check_name "$name"
	# The running server's port wins over a changed PGPORT_PRIVATE.
	[ -n "$(our_pid)" ] && port=$(cur_port)
	echo "postgresql://postgres@127.0.0.1:$port/$name"
	;;
createdb) do_createdb "$@" ;;
dropdb) do_dropdb "$@" ;;
*)
	echo "usage: pg.sh start|stop|status|url [NAME]|createdb NAME|dropdb NAME" >&2
	exit 2
	;;
esac
