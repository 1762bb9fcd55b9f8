#!/usr/bin/env bash
#
# codegen-fixtures.sh CODEGEN FIXTURE_DIR - the generator's regression tests.
#
# Each FIXTURE_DIR/<case>/ holds an openapi.yaml (or a queries/ directory:
# named queries and their queries.json description, for codegen -q) and
# either
#   expected/      the exact files the generator must write (a valid spec), or
#   expected.err   the exact stderr it must print, exiting 1 (an invalid one).
# A valid case whose spec has defects the generator works around also
# holds expected.warn, the exact warnings it prints (else stderr must be
# empty); a file "args" holds extra arguments (--strict).
# The generator runs inside the case directory on "openapi.yaml" (or
# "queries"), so messages read "openapi.yaml:LINE:COL: ..." or
# "queries/x.sql:LINE: ...".  For a valid case the output
# must also compile (cc -fsyntax-only with the project's warnings), be
# byte-identical on a second run into a fresh directory, and a rerun into
# the same directory must leave the files untouched.
#
# UPDATE=1 rewrites the expectations from what the generator does now
# (review the diff before committing it).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 CODEGEN FIXTURE_DIR" >&2
	exit 2
fi
if [ ! -x "$1" ] || [ -d "$1" ]; then
	echo "$0: $1: not an executable" >&2
	exit 2
fi
codegen=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fixtures=$(cd "$2" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
update=${UPDATE:-0}

cc=${CC:-cc}
read -r -a pkgflags <<<"$(pkg-config --cflags jansson libpq)"
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
	-fsyntax-only -I"$root/runtime")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/codegen-fixtures.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run DIR OUTDIR: the generator in DIR; sets rc, fills $tmp/stdout, stderr.
run() {
	local args=()
	rc=0
	[ -f "$1/args" ] && read -r -a args <"$1/args"
	if [ -f "$1/openapi.yaml" ]; then
		(cd "$1" && "$codegen" "${args[@]}" -o "$2" openapi.yaml) \
		    >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
	else
		(cd "$1" && "$codegen" -q queries -o "$2") \
		    >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
	fi
}

# inodes DIR: "name inode" per file; a rewrite (rename) changes the inode.
inodes() {
	(cd "$1" && stat -c '%n %i' -- *)
}

# check CASE: appends problems to $tmp/log; returns 1 when there are any.
check() {
	local dir=$fixtures/$1 out=$tmp/$1.out f
	: >"$tmp/log"
	run "$dir" "$out"

	if [ "$update" = 1 ]; then
		if [ "$rc" -eq 0 ] && [ ! -f "$dir/expected.err" ]; then
			rm -rf "$dir/expected"
			mkdir "$dir/expected"
			cp "$out"/* "$dir/expected/"
			rm -f "$dir/expected.warn"
			[ -s "$tmp/stderr" ] &&
			    cp "$tmp/stderr" "$dir/expected.warn"
		else
			rm -rf "$dir/expected"
			cp "$tmp/stderr" "$dir/expected.err"
		fi
	fi

	if [ -d "$dir/expected" ]; then
		[ "$rc" -eq 0 ] || echo "exit status $rc, want 0" >>"$tmp/log"
		if [ -s "$tmp/stdout" ]; then
			echo "unexpected stdout:" >>"$tmp/log"
			cat "$tmp/stdout" >>"$tmp/log"
		fi
		if [ -f "$dir/expected.warn" ]; then
			diff -u "$dir/expected.warn" "$tmp/stderr" \
			    >>"$tmp/log" 2>&1 || true
		elif [ -s "$tmp/stderr" ]; then
			echo "unexpected stderr:" >>"$tmp/log"
			cat "$tmp/stderr" >>"$tmp/log"
		fi
		[ -d "$out" ] || mkdir "$out"
		diff -ru "$dir/expected" "$out" >>"$tmp/log" 2>&1 || true
		for f in "$out"/*.c; do
			[ -e "$f" ] || continue
			"$cc" "${cflags[@]}" "${pkgflags[@]}" -I"$out" "$f" \
			    >>"$tmp/log" 2>&1 ||
			    echo "$(basename "$f") does not compile" >>"$tmp/log"
		done

		# Determinism: a second run writes the same bytes.
		run "$dir" "$tmp/$1.again"
		diff -r "$out" "$tmp/$1.again" >>"$tmp/log" 2>&1 ||
		    echo "a second run wrote different output" >>"$tmp/log"

		# Unchanged content is not rewritten.
		inodes "$out" >"$tmp/before"
		run "$dir" "$out"
		inodes "$out" >"$tmp/after"
		diff -u "$tmp/before" "$tmp/after" >>"$tmp/log" 2>&1 ||
		    echo "a rerun rewrote unchanged files" >>"$tmp/log"
	elif [ -f "$dir/expected.err" ]; then
		[ "$rc" -eq 1 ] || echo "exit status $rc, want 1" >>"$tmp/log"
		if [ -s "$tmp/stdout" ]; then
			echo "unexpected stdout:" >>"$tmp/log"
			cat "$tmp/stdout" >>"$tmp/log"
		fi
		diff -u "$dir/expected.err" "$tmp/stderr" >>"$tmp/log" 2>&1 ||
		    true
		if [ -e "$out" ]; then
			echo "an invalid spec produced output:" >>"$tmp/log"
			ls -A "$out" >>"$tmp/log"
		fi
	else
		echo "no expected/ or expected.err (run with UPDATE=1)" \
		    >>"$tmp/log"
	fi
	[ ! -s "$tmp/log" ]
}

pass=0
fail=0
for dir in "$fixtures"/*/; do
	name=$(basename "$dir")
	[ -f "$dir/openapi.yaml" ] || [ -d "$dir/queries" ] || continue
	if check "$name"; then
		printf 'ok   %s\n' "$name"
		pass=$((pass + 1))
	else
		printf 'FAIL %s\n' "$name"
		sed 's/^/    /' "$tmp/log"
		fail=$((fail + 1))
	fi
done
echo "codegen: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
