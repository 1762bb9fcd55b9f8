#!/usr/bin/env bash
#
# run-unit.sh BIN... - run unit test binaries and summarise.
#
# Each binary is one cmocka program.  Prints "ok   name", "skip name"
# (exit status 77, the automake convention for "cannot run here") or
# "FAIL name" followed by the test's own output, then one summary line.
# Exits non-zero when any test failed.  Output of passing tests is kept
# quiet so a failure stands out.
set -uo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 BIN..." >&2
	exit 2
fi

pass=0
skip=0
fail=0
failed=()
out=$(mktemp "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 2
trap 'rm -f "$out"' EXIT

for bin in "$@"; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "FAIL $name (not an executable: $bin)"
		fail=$((fail + 1))
		failed+=("$name")
		continue
	fi
	"$bin" >"$out" 2>&1
	rc=$?
	case $rc in
	0)
		echo "ok   $name"
		pass=$((pass + 1))
		;;
	77)
		echo "skip $name"
		skip=$((skip + 1))
		;;
	*)
		echo "FAIL $name (exit status $rc)"
		sed 's/^/    /' "$out"
		fail=$((fail + 1))
		failed+=("$name")
		;;
	esac
done

echo "unit: $pass passed, $skip skipped, $fail failed"
if [ "$fail" -ne 0 ]; then
	echo "failed: ${failed[*]}"
	exit 1
fi
exit 0
