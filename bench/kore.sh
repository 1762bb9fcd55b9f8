# shellcheck shell=bash disable=SC2154,SC2034  # run.sh's globals, set for run.sh
# kore.sh - Kore's side of bench/run.sh (issue 12, point 9).  Sourced by
# run.sh, whose globals it uses: state (the temporary directory), repo,
# IO_THREADS, CONNECTION_LIMIT, say, die, start.
#
# Two anchors, built by bench/baseline/Makefile into build/bench and run
# by Debian's kore(1) with a copy of the kore.conf beside their sources:
#
#   khello  bench/baseline/kore_hello: a bare page handler answering GET /
#           with our 43 bytes (target: ours >= 0.9x of it)
#   kpg     bench/baseline/kore_pgsql: GET /posts/{id} the idiomatic Kore
#           way, http_state + kore_pgsql_query_params, async (target:
#           ours >= 2x of it); on our database, so it reads our seeded
#           posts
#
# Both with KORE_WORKERS workers (BENCH_KORE_WORKERS, default IO_THREADS:
# as many as the server under test), the seccomp sandbox on and no
# access log; kpg with BENCH_KORE_PGSQL_CONNS PostgreSQL connections per
# worker (default 4: as many as ours has per I/O thread).
#
# And, when the server under test is a Kore application (BENCH_SERVER
# names a .so), kore_ours_launcher makes the executable run.sh and
# bench/instance.py start as "our server".

KORE_WORKERS=${BENCH_KORE_WORKERS:-$IO_THREADS}
KORE_PGSQL_CONNS=${BENCH_KORE_PGSQL_CONNS:-4}

# kore(1) logs with printf(3) on stdout in the foreground: fully buffered
# into a file, so lines come late, and the parent's unflushed lines are
# copied into every worker it forks.  Line buffering avoids both.
KORE_CMD=(stdbuf -oL kore -f -n -r)

# kore_conf SRC DEST BIND LOAD [DIRECTIVE VALUE]...: copy kore.conf SRC to
# DEST with its first "bind" set to BIND ("HOST PORT"), its first "load"
# path to LOAD (the onload symbol after it kept), "workers" to
# KORE_WORKERS, and each DIRECTIVE to VALUE (replaced where SRC sets it
# outside any block, appended otherwise).  Other binds are dropped, so
# that a copy never listens where a developer's server does.
kore_conf() {
  python3 - "$@" workers "$KORE_WORKERS" <<'EOF' || die "cannot write $2 from $1"
import sys
src, dest, bind, load = sys.argv[1:5]
sets = dict(zip(sys.argv[5::2], sys.argv[6::2]))
out, depth, bound, loaded = [], 0, False, False
with open(src) as f:
    for line in f:
        words = line.split()
        key = words[0] if words and not words[0].startswith("#") else ""
        indent = line[:len(line) - len(line.lstrip())]
        if key == "bind":
            if not bound:
                out.append(f"{indent}bind {bind}\n")
            bound = True
            continue
        if key == "load" and not loaded and depth == 0:
            out.append(" ".join(["load", load] + words[2:]) + "\n")
            loaded = True
        elif key in sets and depth == 0:
            out.append(f"{key} {sets.pop(key)}\n")
        else:
            out.append(line)
        depth += words.count("{") - words.count("}")
if not bound or not loaded:
    sys.exit(f"{src}: no {'bind' if not bound else 'load'} directive")
out += [f"{k} {v}\n" for k, v in sets.items()]
with open(dest, "w") as f:
    f.writelines(out)
EOF
}

# kore_start KEY LABEL DIR CONF [ENV...]: run kore(1) with CONF in DIR
# (stdout, Kore's log, to DIR/server.out), ENV in its environment; wait
# until it answers; export BENCH_URL_KEY, BENCH_LABEL_KEY and
# BENCH_PID_KEY (the parent: bench_settle counts its workers' CPU too).
kore_start() {
  local key=$1 label=$2 dir=$3 conf=$4
  shift 4
  start_probe=$(kore_conf_url "$conf")
  start "$label" "$dir" env "$@" "${KORE_CMD[@]}" -c "$conf"
  start_probe=
  export "BENCH_URL_$key=$started_url" "BENCH_LABEL_$key=$label" "BENCH_PID_$key=$started_pid"
}

# kore_conf_url CONF: http://HOST:PORT of CONF's first bind.
kore_conf_url() {
  awk '$1 == "bind" { print "http://" $2 ":" $3; exit }' "$1"
}

# kore_free_port: a free TCP port on 127.0.0.1 (kore(1) cannot be given
# port 0: it would not say which port it got).
kore_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kore_build: build both anchors into build/bench (bench/baseline/Makefile).
kore_build() {
  make -s -C "$repo/bench/baseline" O="$repo/build/bench" >&2 ||
    die "building the Kore anchors (bench/baseline/Makefile) failed"
}

# kore_anchors DB_URL: start both anchors (kore_build first), kpg on
# database DB_URL (ours, where seed.py puts the posts).
kore_anchors() {
  local db_url=$1 out=$repo/build/bench
  mkdir -p "$state/khello" "$state/kpg"
  kore_conf "$repo/bench/baseline/kore_hello/kore.conf" "$state/khello/kore.conf" \
    "127.0.0.1 $(kore_free_port)" "$out/kore_hello.so" \
    worker_max_connections "$CONNECTION_LIMIT" worker_rlimit_nofiles $((2 * CONNECTION_LIMIT + 256))
  kore_conf "$repo/bench/baseline/kore_pgsql/kore.conf" "$state/kpg/kore.conf" \
    "127.0.0.1 $(kore_free_port)" "$out/kore_pgsql.so" \
    worker_max_connections "$CONNECTION_LIMIT" worker_rlimit_nofiles $((2 * CONNECTION_LIMIT + 256)) \
    pgsql_conn_max "$KORE_PGSQL_CONNS"
  say "starting the Kore anchors ($KORE_WORKERS workers each; kore_pgsql with $KORE_PGSQL_CONNS connections a worker)"
  kore_start khello "bare Kore" "$state/khello" "$state/khello/kore.conf"
  kore_start kpg "Kore kore_pgsql" "$state/kpg" "$state/kpg/kore.conf" DATABASE_URL="$db_url"
}

# kore_ours_launcher SO CONF EXE: write EXE, which starts the Kore
# application SO as the server under test: kore(1) in the foreground
# (-f -n -r: no chroot, no privilege drop, as the anchors) with a copy of
# CONF (the application's kore.conf) that loads SO, runs KORE_WORKERS
# workers and binds to $HOST:$PORT of the environment EXE is started
# with (run.sh and instance.py give each start a free port); everything
# else is CONF's.  The copy is written by EXE into its working directory
# at each start, with sed: a few milliseconds of the start-up measured.
kore_ours_launcher() {
  local so=$1 conf=$2 exe=$3
  kore_conf "$conf" "$exe.conf" "@HOST@ @PORT@" "$so"
  cat >"$exe" <<EOF
#!/bin/sh
# Written by bench/kore.sh: the Kore application $(basename "$so") under test.
: "\${PORT:?}"
sed -e "s/@HOST@/\${HOST:-127.0.0.1}/" -e "s/@PORT@/\$PORT/" '$exe.conf' >kore-bench.conf || exit 1
exec ${KORE_CMD[*]} -c kore-bench.conf
EOF
  chmod +x "$exe"
}

# kore_version: one line of what Kore is.
kore_version() {
  kore -v 2>/dev/null | head -1 | sed 's/ *$//'
}
