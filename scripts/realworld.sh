#!/usr/bin/env bash
#
# realworld.sh CODEGEN OUTDIR - the generator on the public API
# descriptions in ../shared/realspecs/ (Stripe, OpenAI, Kubernetes,
# DigitalOcean's multi-file document, Box, Discord, the OpenAPI
# Initiative's examples): every one must generate, with exactly the
# warnings tests/realworld/NAME.warn lists (the realspecs directory
# written as "REALSPECS"), and its C must compile with the project's
# flags at -O0.  Prints, per document, the generator's time and peak
# memory, the warnings, the size of the output and the compile time.
# The objects stay in OUTDIR/NAME/obj/ (-fPIC): make realworld-http links
# servers from them.
#
# REALSPECS names the directory (default: ../shared/realspecs next to the
# project); UPDATE=1 rewrites the .warn files from what the generator
# says now (review the diff).  JOBS compilers run at once (default 2).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 CODEGEN OUTDIR" >&2
	exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
codegen=$(realpath "$1")
mkdir -p "$2"
out=$(cd "$2" && pwd)
specs=${REALSPECS:-$root/../shared/realspecs}
expect=$root/tests/realworld
update=${UPDATE:-0}
jobs=${JOBS:-2}
cc=${CC:-cc}
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
	-O0 -fPIC -I"$root/runtime")
read -r -a pkgflags <<<"$(pkg-config --cflags jansson)"

if [ ! -d "$specs" ]; then
	echo "realworld: $specs: no such directory (set REALSPECS)" >&2
	exit 1
fi
specs=$(cd "$specs" && pwd)

# The documents: every file at the top, and DigitalOcean's root.
docs=()
for f in "$specs"/*.yaml "$specs"/*.json; do
	[ -f "$f" ] && docs+=("$f")
done
[ -f "$specs/digitalocean/specification/DigitalOcean-public.v2.yaml" ] &&
    docs+=("$specs/digitalocean/specification/DigitalOcean-public.v2.yaml")

now() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.1f\", $2 - $1 }"; }

status=0
printf '%-28s %7s %8s %5s %8s %8s\n' document gen-s peak-MB warn lines cc-s
for spec in "${docs[@]}"; do
	name=$(basename "$spec")
	name=${name%.*}
	dir=$out/$name
	rm -rf "$dir"
	if ! /usr/bin/time -f '%e %M' -o "$out/$name.time" \
	    "$codegen" -o "$dir" "$spec" 2>"$out/$name.err"; then
		echo "FAIL $name: the generator refused it"
		grep -v '^Command exited' "$out/$name.err" | head -20
		status=1
		continue
	fi
	sed "s|$specs|REALSPECS|g" "$out/$name.err" >"$out/$name.warn"
	if [ "$update" = 1 ]; then
		mkdir -p "$expect"
		if [ -s "$out/$name.warn" ]; then
			cp "$out/$name.warn" "$expect/$name.warn"
		else
			rm -f "$expect/$name.warn"
		fi
	fi
	if [ -f "$expect/$name.warn" ]; then
		if ! diff -u "$expect/$name.warn" "$out/$name.warn" \
		    >"$out/$name.diff"; then
			echo "FAIL $name: warnings differ from" \
			    "tests/realworld/$name.warn"
			cat "$out/$name.diff"
			status=1
		fi
	elif [ -s "$out/$name.warn" ]; then
		echo "FAIL $name: unexpected warnings:"
		cat "$out/$name.warn"
		status=1
	fi
	t0=$(now)
	mkdir -p "$dir/obj"
	if ! find "$dir" -maxdepth 1 -name '*.c' -printf '%f\n' |
	    xargs -P "$jobs" -I{} "$cc" "${cflags[@]}" "${pkgflags[@]}" \
	    -I"$dir" -c -o "$dir/obj/{}.o" "$dir/{}" >"$out/$name.cc" 2>&1; then
		echo "FAIL $name: generated C does not compile"
		head -20 "$out/$name.cc"
		status=1
	fi
	t1=$(now)
	read -r gs kb <"$out/$name.time"
	printf '%-28s %7s %8d %5d %8d %8s\n' "$name" "$gs" $((kb / 1024)) \
	    "$(grep -c 'warning: ' "$out/$name.warn" || true)" \
	    "$(cat "$dir"/*.c "$dir"/*.h | wc -l)" "$(secs "$t0" "$t1")"
done
exit $status
