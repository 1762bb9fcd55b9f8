#!/usr/bin/env bash
#
# describe-fixtures.sh CODEGEN FIXTURE_DIR - the query describer against
# a real PostgreSQL (DATABASE_URL; make check-queries runs it under
# scripts/with-pg.sh).
#
# Each FIXTURE_DIR/<case>/ with migrations/ and queries/ is one case:
#   expected-describe.err  codegen -c -d queries -m migrations (the drift
#                          check of make test) must fail with exactly
#                          this stderr ("migrate: applied" lines aside)
#   otherwise              codegen -d must write, from the migrations,
#                          exactly the committed queries/queries.json
# UPDATE=1 rewrites the expectations from what the describer does now.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 CODEGEN FIXTURE_DIR" >&2
	exit 2
fi
codegen=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fixtures=$(cd "$2" && pwd)
update=${UPDATE:-0}
: "${DATABASE_URL:?DATABASE_URL is not set (run under scripts/with-pg.sh)}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/describe-fixtures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0
for dir in "$fixtures"/*/; do
	[ -d "$dir/migrations" ] && [ -d "$dir/queries" ] || continue
	name=$(basename "$dir")
	: >"$tmp/log"
	rc=0
	if [ -f "$dir/expected-describe.err" ]; then
		(cd "$dir" && "$codegen" -c -d queries -m migrations) \
		    >/dev/null 2>"$tmp/stderr" || rc=$?
		grep -v '^migrate: applied ' "$tmp/stderr" >"$tmp/got" || true
		[ "$update" = 1 ] && cp "$tmp/got" "$dir/expected-describe.err"
		[ "$rc" -eq 1 ] || echo "exit status $rc, want 1" >>"$tmp/log"
		diff -u "$dir/expected-describe.err" "$tmp/got" >>"$tmp/log" ||
		    true
	else
		rm -rf "$tmp/case"
		mkdir -p "$tmp/case"
		cp -r "$dir/queries" "$dir/migrations" "$tmp/case/"
		(cd "$tmp/case" && "$codegen" -d queries -m migrations) \
		    >/dev/null 2>"$tmp/stderr" || rc=$?
		[ "$update" = 1 ] && [ "$rc" -eq 0 ] &&
		    cp "$tmp/case/queries/queries.json" "$dir/queries/"
		if [ "$rc" -ne 0 ]; then
			echo "exit status $rc, want 0" >>"$tmp/log"
			cat "$tmp/stderr" >>"$tmp/log"
		fi
		diff -u "$dir/queries/queries.json" \
		    "$tmp/case/queries/queries.json" >>"$tmp/log" || true
	fi
	if [ -s "$tmp/log" ]; then
		printf 'FAIL %s\n' "$name"
		sed 's/^/    /' "$tmp/log"
		fail=$((fail + 1))
	else
		printf 'ok   %s\n' "$name"
		pass=$((pass + 1))
	fi
done
echo "describe: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
