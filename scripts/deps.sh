#!/usr/bin/env bash
# deps.sh - install what building, running and testing need, and only what
# is missing: Debian 12 packages (apt-get, as root or through sudo) and the
# npm packages pinned in package-lock.json (Swagger UI, ReDoc, and the
# spec tooling: Redocly CLI, openapi-typescript, Prism, playwright-core).
#
# Nothing is downloaded from anywhere but Debian's archive and the npm
# registry.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: compiler and libraries (libcurl: SMTP for outgoing mail), Kore
# (the server: its binary runs our module, its headers need OpenSSL's).
# Run: PostgreSQL 15.  Tests: cmocka, python3 (HTTP test driver), aiosmtpd (a
# local SMTP sink), starlette (our CORS answers are compared with its
# CORSMiddleware's), curl, chromium (the docs in a real browser, driven by
# playwright-core from npm; never a browser download), clang and its
# libFuzzer runtime (the fuzz targets).  Bench: wrk.
PKGS=(build-essential pkg-config kore libssl-dev libpq-dev libyaml-dev
      libjansson-dev libsodium-dev libcurl4-openssl-dev libcmocka-dev libpcre2-dev
      postgresql-15 postgresql-client-15 python3 python3-yaml
      python3-aiosmtpd python3-starlette curl chromium wrk
      clang libclang-rt-14-dev)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
# Node.js may come from elsewhere than Debian's package; any node >= 18
# with npm will do.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo
  else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules does not match the lock file.  npm ci
# empties node_modules first, so two runs in one checkout (two make test
# at once) are serialised, and the second one re-checks after waiting.
npm_stale() {
  [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]
}
if npm_stale; then
  exec 9>.deps.lock
  flock 9
  if npm_stale; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  fi
  flock -u 9
fi
