#!/usr/bin/env bash
#
# schema-cases.sh CODEGEN RUNTIME_LIB OUTDIR - the generated validators of
# each generator fixture that has a cases.jsonl, compiled and run on its
# documents (tests/unit/schema_cases.c says the format).
#
# Environment: CC, CFLAGS and LIBS as the Makefile has them.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 CODEGEN RUNTIME_LIB OUTDIR" >&2
	exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
codegen=$(realpath "$1")
lib=$(realpath "$2")
mkdir -p "$3"
out=$(cd "$3" && pwd)
cc=${CC:-cc}
read -r -a cflags <<<"${CFLAGS:-}"
read -r -a libs <<<"${LIBS:-}"

pass=0
fail=0
for cases in "$root"/tests/codegen/*/cases.jsonl; do
	dir=$(dirname "$cases")
	name=$(basename "$dir")
	gen=$out/$name
	mkdir -p "$gen"
	log=$gen/log
	if ! (cd "$dir" && "$codegen" -o "$gen/gen" openapi.yaml) >"$log" 2>&1 ||
	    ! "$cc" -I"$gen/gen" "${cflags[@]}" -o "$gen/schema_cases" \
	    "$root/tests/unit/schema_cases.c" "$gen/gen/model.c" "$lib" \
	    "${libs[@]}" >>"$log" 2>&1 ||
	    ! "$gen/schema_cases" "$cases" >>"$log" 2>&1; then
		echo "FAIL $name"
		sed 's/^/    /' "$log"
		fail=$((fail + 1))
	else
		echo "ok   $name ($(grep -c '^\[       OK \]' "$log") documents)"
		pass=$((pass + 1))
	fi
done
echo "schema cases: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
