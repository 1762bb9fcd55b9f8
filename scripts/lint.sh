#!/usr/bin/env bash
# lint.sh - lint openapi.yaml with Redocly CLI and the rule set in
# .redocly.yaml, then prove
# the rules bite: every tests/lint/invalid/*.yaml must fail, naming the
# rule on its "# expect: RULE" first line, and tests/lint/valid/*.yaml
# must pass.
set -uo pipefail
cd "$(dirname "$0")/.."

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
REDOCLY=node_modules/.bin/redocly
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Redocly prints a framed notice about Node.js 20 on every run; drop it.
lint() {
	"$REDOCLY" lint --config .redocly.yaml --format=stylish "$@" >"$out" 2>&1
	local rc=$?
	sed -i '/╔/,/╝/d; /^$/d' "$out"
	return $rc
}

if ! lint openapi.yaml; then
	cat "$out"
	echo "lint: openapi.yaml has problems (fix them, or accept it in .redocly.yaml with a reason)" >&2
	exit 1
fi
grep -E 'valid|ignored' "$out"

passed=0 failed=0
for f in tests/lint/valid/*.yaml; do
	if lint "$f"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); echo "FAIL $f: should pass"; cat "$out"
	fi
done
for f in tests/lint/invalid/*.yaml; do
	rule=$(sed -n '1s/^# expect: *//p' "$f")
	if [ -z "$rule" ]; then
		failed=$((failed + 1)); echo "FAIL $f: no '# expect: RULE' first line"; continue
	fi
	if lint "$f"; then
		failed=$((failed + 1)); echo "FAIL $f: passed lint, expected $rule"
	elif ! grep -qE "(error|warn) +${rule//./\\.} " "$out"; then
		failed=$((failed + 1)); echo "FAIL $f: failed, but not with $rule"; cat "$out"
	else
		passed=$((passed + 1))
	fi
done
echo "lint: $passed passed, $failed failed"
[ "$failed" = 0 ]
