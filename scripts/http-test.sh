#!/usr/bin/env bash
# http-test.sh SERVER - the HTTP integration suites: each starts the real
# SERVER on a free port against a real PostgreSQL (a private cluster
# started here when DATABASE_URL is unset) in a database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_SERVER
TEST_SERVER=$(realpath "$1")
exec scripts/with-pg.sh /usr/bin/python3 -m unittest discover -s tests/http -p 'test_*.py' -v
