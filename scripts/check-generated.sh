#!/usr/bin/env bash
#
# check-generated.sh CODEGEN - fail when generated/ is not what the
# generator writes from openapi.yaml now.
#
# generated/ is committed (reviewers see what a spec change does to the
# code), so CI must catch a spec or generator change committed without
# regenerating.  generated/.stamp is make's, not the generator's.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 CODEGEN" >&2
	exit 2
fi
if [ ! -x "$1" ] || [ -d "$1" ]; then
	echo "$0: $1: not an executable" >&2
	exit 2
fi
codegen=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-generated.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$codegen" -o "$tmp/generated" openapi.yaml
"$codegen" -q sql/queries -o "$tmp/generated"
mkdir -p "$tmp/empty"
current=generated
[ -d generated ] || current=$tmp/empty

status=0
diff -ru --exclude=.stamp "$current" "$tmp/generated" >"$tmp/diff" ||
    status=$?
if [ "$status" -ne 0 ]; then
	cat "$tmp/diff"
	echo "generated/ is stale: run make and commit generated/" >&2
	exit 1
fi
echo "generated/ is up to date"
