#!/usr/bin/env bash
# prism-test.sh SERVER - the HTTP integration tests (tests/http/) once
# more, with every request of Server.request() sent through Stoplight
# Prism in proxy mode (TEST_PROXY=prism; tests/conformance/prism.py), so
# that each response the server gives is checked against openapi.yaml by a
# tool that is not ours.  A response Prism finds off-spec fails its test;
# the summary at the end lists every violation and every request Prism
# could not check, with the reason.  Tests marked @direct_only (raw
# sockets, process lifecycle) are skipped in this pass.
#
# Prism's log: build/test-output/prism/prism-PID.log (one Prism for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_SERVER TEST_PROXY=prism PRISM_REPORT
TEST_SERVER=$(realpath "$1")
out=$PWD/build/test-output/prism
PRISM_REPORT=$out/report.jsonl
rm -rf "$out"
mkdir -p "$out"

# First, that the check bites: off-spec answers from a stand-in server
# must each be reported.
/usr/bin/python3 -m unittest discover -s tests/conformance -p 'test_*.py'

status=0
scripts/with-pg.sh /usr/bin/python3 -m unittest discover -s tests/http -p 'test_*.py' || status=$?
/usr/bin/python3 tests/conformance/report.py "$PRISM_REPORT" || status=1
exit "$status"
