# shellcheck shell=bash disable=SC2154,SC2034  # run.sh's globals, set for run.sh
# anchor.sh - the FastAPI reference side of the comparison (bench/run.sh
# unless BENCH_ANCHOR=0 or --no-anchor).  Sourced by run.sh, whose
# globals it uses: state (the temporary directory), pids (started
# processes, stopped on exit), extra_dbs (databases dropped on exit),
# repo, DATABASE_URL, say, die, db_url_named.
#
# The reference is the tutorial's application written in FastAPI to the
# same contract; it lives outside this repository and runs from where it
# is (FASTAPI_REF_DIR, default ../shared/anchors/fastapi-ref beside the
# repository) with Debian's python3 and its run.sh (uvicorn).

# The reference's Debian packages, as its README lists them.  npm (for its
# docs assets) only matters when node_modules here lacks them and no npm
# is installed; a Node.js from elsewhere brings its own npm.
ANCHOR_PKGS=(python3-fastapi python3-uvicorn python3-sqlalchemy python3-psycopg2
  python3-passlib python3-argon2 python3-bcrypt python3-jose python3-multipart
  python3-email-validator python3-dotenv python3-yaml python3-uvloop python3-httptools)

# anchor_deps: install the packages that are missing (apt-get, as root or
# through sudo), and nothing when none is.
anchor_deps() {
  local p sudo=
  local -a missing=()
  for p in "${ANCHOR_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  if ! command -v npm >/dev/null &&
     [ ! -f "$repo/node_modules/swagger-ui-dist/swagger-ui-bundle.js" ]; then
    missing+=(npm)
  fi
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "the FastAPI reference needs: ${missing[*]} (apt-get install them as root)"
    sudo=sudo
  fi
  say "installing the FastAPI reference's packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# anchor_versions: one line of what the reference runs on.
anchor_versions() {
  local p v out
  out="$(/usr/bin/python3 --version 2>&1)"
  for p in fastapi starlette pydantic sqlalchemy uvicorn uvloop httptools psycopg2 argon2; do
    v=$(dpkg-query -W -f='${Version}' "python3-$p" 2>/dev/null) || continue
    out="$out, $p ${v%%-*}"
  done
  printf '%s' "$out"
}

# anchor_static: Swagger UI and ReDoc for the reference's /docs and /redoc
# (not measured), taken from our node_modules (the same pinned versions)
# so its run.sh need not fetch them; prints the directory, or nothing to
# let run.sh fetch them itself.
anchor_static() {
  local nm=$repo/node_modules dest=$state/ref-static
  [ -f "$nm/swagger-ui-dist/swagger-ui-bundle.js" ] &&
    [ -f "$nm/redoc/bundles/redoc.standalone.js" ] || return 0
  mkdir -p "$dest/swagger-ui" "$dest/redoc"
  cp "$nm"/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,favicon-32x32.png,LICENSE} \
    "$dest/swagger-ui/" 2>/dev/null || return 0
  cp "$nm/redoc/bundles/redoc.standalone.js" "$dest/redoc/" || return 0
  cp "$nm/redoc/LICENSE" "$dest/redoc/" 2>/dev/null || true
  printf '%s' "$dest"
}

# anchor_db NAME: create database NAME next to DATABASE_URL's (dropped on
# exit) and set anchor_db_url to its URL.  (Not run in $(...): extra_dbs
# must be set in this shell.)
anchor_db() {
  psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -qAtc "CREATE DATABASE \"$1\"" >/dev/null ||
    die "cannot create database $1"
  extra_dbs+=("$1")
  anchor_db_url=$(db_url_named "$1")
}

# anchor_start KEY WORKERS: start the reference with uvicorn --workers
# WORKERS on a free loopback port, on a fresh database of its own; wait
# until every worker has started and GET / answers; set started_url and
# started_pid (uvicorn's: the master when WORKERS > 1); export its
# database URL and upload directory as BENCH_DB_KEY and BENCH_UPLOADS_KEY.
anchor_start() {
  local key=$1 workers=$2 dir=${FASTAPI_REF_DIR:-$repo/../shared/anchors/fastapi-ref}
  local db_url port pid i up
  [ -x "$dir/run.sh" ] || die "the FastAPI reference is not at $dir (set FASTAPI_REF_DIR)"
  anchor_db "bench_$$_$key"
  db_url=$anchor_db_url
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$state/$key"
  : >"$state/$key.log"
  # The console line per request goes to $key.out, as ours goes to server.log.out.
  (cd "$state" && exec env DATABASE_URL="$db_url" ENVIRONMENT=development SECRET_KEY=bench \
     ACCESS_TOKEN_EXPIRE_MINUTES=600 DEBUG=false ${ANCHOR_STATIC:+FASTAPI_REF_STATIC="$ANCHOR_STATIC"} \
     "$dir/run.sh" --host 127.0.0.1 --port "$port" --workers "$workers" \
       --database-url "$db_url" --state-dir "$state/$key") \
    >"$state/$key.out" 2>"$state/$key.log" </dev/null &
  pid=$!
  pids+=("$pid")
  started_url=http://127.0.0.1:$port
  started_pid=$pid
  export "BENCH_DB_$key=$db_url" "BENCH_UPLOADS_$key=$state/$key/uploads"
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    up=$(grep -c 'Application startup complete' "$state/$key.log" || true)
    if [ "$up" -ge "$workers" ] &&
       [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$started_url/")" = 200 ]; then
      return 0
    fi
    sleep 0.1
  done
  say "the FastAPI reference ($key, $workers workers) did not start; its log:"
  tail -20 "$state/$key.log" >&2
  exit 1
}

# mem_of PID: "PROCESSES VMRSS_KB VMHWM_KB" summed over PID and all its
# descendants (uvicorn's master and workers).  Pages the processes share
# (libraries) count once per process, as in each one's own VmRSS.
mem_of() {
  # Through cat, which goes on past a process that ended since the glob
  # (mawk would stop at a file it cannot open).
  cat /proc/[0-9]*/status 2>/dev/null | awk -v root="$1" '
    /^Pid:/   { pid = $2 }
    /^PPid:/  { ppid[pid] = $2 }
    /^VmRSS:/ { rss[pid] = $2 }
    /^VmHWM:/ { hwm[pid] = $2 }
    END {
      for (p in ppid) {
        q = p
        while (q != "" && q != 0 && q != root) q = (q in ppid) ? ppid[q] : ""
        if (q == root) { n++; r += rss[p]; h += hwm[p] }
      }
      printf "%d %d %d\n", n, r, h
    }'
}

# mem_snapshot LABEL: append "LABEL KEY PROCESSES RSS HWM" for every
# application server (BENCH_SERVERS; pids in BENCH_PID_<KEY>) to
# $state/mem.
mem_snapshot() {
  local key pidvar
  for key in $BENCH_SERVERS; do
    pidvar=BENCH_PID_$key
    echo "$1 $key $(mem_of "${!pidvar}")" >>"$state/mem"
  done
}

# mem_table: the memory table from $state/mem's snapshots "seeded" and
# "end".
mem_table() {
  local key label
  echo
  echo "| server | processes | VmRSS after seeding | VmRSS / VmHWM at the end |"
  echo "|---|---:|---:|---:|"
  for key in $BENCH_SERVERS; do
    label=BENCH_LABEL_$key
    awk -v key="$key" -v label="${!label}" '
      function mib(kb) { return sprintf("%.1f MiB", kb / 1024) }
      $2 == key { n[$1] = $3; rss[$1] = $4; hwm[$1] = $5 }
      END {
        printf "| %s | %d | %s | %s / %s |\n", label, n["end"], mib(rss["seeded"]),
          mib(rss["end"]), mib(hwm["end"])
      }' "$state/mem"
  done
}
