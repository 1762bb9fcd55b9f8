#!/usr/bin/env bash
#
# realspecs.sh CODEGEN OUTDIR - the generator on specs written by others:
# the Swagger Petstore (3.0) and every other 3.0/3.1 example of
# @readme/oas-examples, and GitHub's REST API description from
# @octokit/openapi (1000+ operations, 900+ schemas).  Each spec must be
# either generated into C that compiles with -Wall -Wextra -Werror, or
# refused with file:line:col errors; a crash or uncompilable output
# fails.  Prints generation time, generated size and compile time.
#
# The npm packages (pinned) go into OUTDIR/npm, nowhere else.  GitHub's
# spec is used as published, "/compare/{basehead}"-style segments that
# mix literals and parameters included.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 CODEGEN OUTDIR" >&2
	exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
codegen=$(realpath "$1")
mkdir -p "$2"
out=$(cd "$2" && pwd)
cc=${CC:-cc}
jobs=${JOBS:-2}
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
	-I"$root/runtime")
read -r -a pkgflags <<<"$(pkg-config --cflags jansson)"

if [ ! -f "$out/npm/node_modules/@octokit/openapi/package.json" ]; then
	echo "realspecs: npm install @octokit/openapi @readme/oas-examples"
	npm install --prefix "$out/npm" --no-audit --no-fund \
	    --ignore-scripts --loglevel=error \
	    @octokit/openapi@23.0.2 @readme/oas-examples@8.2.2 >/dev/null
fi
nm=$out/npm/node_modules

# compile DIR OPT: every .c of DIR, JOBS at a time; fails on any error.
compile() {
	local dir=$1 opt=$2
	find "$dir" -name '*.c' -print0 | xargs -0 -P "$jobs" -I{} \
	    "$cc" "${cflags[@]}" "${pkgflags[@]}" "$opt" -I"$dir" -c \
	    -o /dev/null {}
}

now() { date +%s.%N; }

status=0
gen=0
refused=0
for spec in "$nm"/@readme/oas-examples/3.*/yaml/*.yaml; do
	v=$(basename "$(dirname "$(dirname "$spec")")")
	name=$v/$(basename "$spec" .yaml)
	dir=$out/examples/$name
	rm -rf "$dir"
	if "$codegen" -o "$dir" "$spec" >"$out/err" 2>&1; then
		if compile "$dir" -O0 >"$out/cc" 2>&1; then
			gen=$((gen + 1))
		else
			echo "FAIL $name: generated C does not compile"
			head -20 "$out/cc"
			status=1
		fi
	elif [ "$(tail -1 "$out/err" | grep -cE '^[0-9]+ errors?$')" = 1 ]; then
		refused=$((refused + 1))
		echo "refused $name: $(head -1 "$out/err" | sed "s|$nm/||")"
	else
		echo "FAIL $name: the generator failed without errors"
		tail -5 "$out/err"
		status=1
	fi
done
echo "oas-examples: $gen generated and compiled, $refused refused with errors"

# GitHub: JSON, which YAML 1.2 reads, as published.
cp "$nm/@octokit/openapi/generated/api.github.com.json" "$out/github.json"
dir=$out/github
rm -rf "$dir"
t0=$(now)
if ! "$codegen" -o "$dir" "$out/github.json" 2>"$out/err"; then
	echo "FAIL github: the generator refused it"
	head -20 "$out/err"
	exit 1
fi
t1=$(now)
echo "github: generated in $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s:" \
    "$(du -sh --apparent-size "$dir" | cut -f1)," \
    "$(cat "$dir"/*.c "$dir"/*.h | wc -l) lines"
ls -l "$dir" | awk 'NR > 1 { printf "  %-10s %10d bytes\n", $9, $5 }'
t0=$(now)
if ! compile "$dir" -O0 >"$out/cc" 2>&1; then
	echo "FAIL github: generated C does not compile"
	head -20 "$out/cc"
	exit 1
fi
t1=$(now)
echo "github: compiled (-O0, $jobs jobs, -Wall -Wextra -Werror) in" \
    "$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s"
exit $status
