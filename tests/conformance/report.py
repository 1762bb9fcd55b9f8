#!/usr/bin/env python3
"""report.py REPORT.jsonl - sum up a Prism pass (scripts/prism-test.sh).

REPORT.jsonl has one line per request the HTTP tests made through
tests/conformance/prism.py: checked by Prism, a violation (the response
does not match openapi.yaml), or not checkable (with the reason).  Prints
the violations in full, the unchecked requests grouped by reason, and
exits 1 when there was any violation (or no request was checked at all).
"""
import collections
import json
import os
import sys


def main(path):
    entries = []
    if os.path.exists(path):
        with open(path) as f:
            entries = [json.loads(line) for line in f if line.strip()]
    checked = [e for e in entries if e.get("checked")]
    violations = [e for e in entries if "violation" in e]
    unchecked = collections.defaultdict(list)
    for e in entries:
        if "unchecked" in e:
            unchecked[e["unchecked"]].append(f"{e['method']} {e['path'][:80]}")

    replayed = collections.Counter(e["how"].split(" (", 1)[1].rstrip(")") for e in checked + violations
                                   if e.get("how", "").startswith("replayed"))
    print(f"prism: {len(checked)} responses matched openapi.yaml, {len(violations)} did not, "
          f"{sum(map(len, unchecked.values()))} requests could not be checked")
    for why, n in replayed.most_common():
        print(f"prism: {n} of those answers were checked by replay ({why}): sent to the server directly, "
              f"then its recorded answer through Prism")
    for e in violations:
        print(f"prism: VIOLATION {e['method']} {e['path']} -> {e['status']}: {e['violation']}")
    for why, reqs in sorted(unchecked.items(), key=lambda kv: -len(kv[1])):
        seen = collections.Counter(reqs)
        listed = ", ".join(f"{r} (x{n})" if n > 1 else r for r, n in sorted(seen.items())[:12])
        more = f", and {len(seen) - 12} more" if len(seen) > 12 else ""
        print(f"prism: not checked, {why}: {len(reqs)}: {listed}{more}")
    if not checked:
        print("prism: no response was checked: did the tests run through Prism?")
        return 1
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
