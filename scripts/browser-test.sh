#!/usr/bin/env bash
# browser-test.sh SERVER - /docs and /redoc in a real browser: Debian's
# Chromium (package chromium, installed by scripts/deps.sh; never a
# browser download) driven by playwright-core, headless, against SERVER
# started on a free port with a fresh database (scripts/with-server.py).
# Screenshots go to build/test-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_SERVER CHROMIUM=${CHROMIUM:-/usr/bin/chromium} TEST_OUTPUT=$PWD/build/test-output
TEST_SERVER=$(realpath "$1")

if [ ! -x "$CHROMIUM" ]; then
	echo "browser-test: $CHROMIUM not found: apt-get install chromium (scripts/deps.sh does)" >&2
	exit 1
fi
exec scripts/with-pg.sh /usr/bin/python3 scripts/with-server.py \
	node --test --test-reporter=spec tests/browser/docs.test.mjs
