#!/usr/bin/env python3
"""json-schema-suite.py - the JSON-Schema-Test-Suite through the generator.

    json-schema-suite.py CODEGEN RUNTIME_LIB OUTDIR [SUITE_DIR]

Every group of the draft 2020-12 suite (the top level and optional/format/)
becomes a component schema of one OpenAPI 3.1 document, one group a line so
the generator's "openapi.yaml:LINE:COL: message" names the group.  The
schema's own references are made references into the document: "#" is the
component, "#/$defs/x" the component's $defs (in an OpenAPI document "#"
is the document's root, not the schema's); a group that uses $id or
$anchor is made a schema resource of its own instead (a root $id), so
that "#" and its anchors are its own, as the suite means.  Groups the generator refuses
are listed by reason and the document is generated again without them;
the generated model.c is linked with tests/json-schema/driver.c, which
decodes each test's data as a request body (see there).

Refusing is what the suite allows for features the generator does not
resolve ($dynamicRef/$dynamicAnchor, $vocabulary, $refs to other
documents) and for formats it does not check; a group refused for any other reason counts its tests as
failed.  Prints "N passed, N failed"; exits 1 when anything failed.

Environment: CC, CFLAGS, LIBS as the Makefile has them; JSON_SCHEMA_SUITE
the suite's draft2020-12 directory (default ../shared/json-schema-test-
suite/draft2020-12 beside the checkout).
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Keywords whose values are schemas (one, a list, a map of names).
ONE = {"items", "additionalProperties", "unevaluatedItems",
       "unevaluatedProperties", "propertyNames", "contains", "not", "if",
       "then", "else", "contentSchema"}
LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}
NAMED = {"properties", "patternProperties", "$defs", "definitions",
         "dependentSchemas"}

# What a refusal may be for (the list), by the message's words.
ALLOWED = [
    ("$id", re.compile(r"^\$id is not supported")),
    ("$anchor", re.compile(r"^\$anchor is not supported")),
    ("$dynamicRef/$dynamicAnchor",
     re.compile(r"^\$(dynamicRef|dynamicAnchor|recursiveRef|recursiveAnchor)"
                r" is not supported")),
    ("$vocabulary (or a metaschema that declares one)",
     re.compile(r"^\$vocabulary is not supported|^\$schema '.*' is not "
                r"supported")),
    ("non-local $ref", re.compile(r"^external \$ref is not supported|"
                                  r"^\$ref '.*' is not a JSON pointer")),
    ("unchecked format", re.compile(r"^format '.*' is not checked")),
]


def rebase(schema, base):
    """The schema with its local $refs made references into the document."""
    if isinstance(schema, list):
        return [rebase(s, base) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "$ref" and isinstance(v, str) and (v == "#" or
                                                    v.startswith("#/")):
            out[k] = base + v[1:]
        elif k in ONE:
            out[k] = rebase(v, base)
        elif k in LIST and isinstance(v, list):
            out[k] = [rebase(s, base) for s in v]
        elif k in NAMED and isinstance(v, dict):
            out[k] = {n: rebase(s, base) for n, s in v.items()}
        else:
            out[k] = v
    return out


def uses_ids(schema):
    """Whether a schema has $id or $anchor somewhere (data aside)."""
    if isinstance(schema, list):
        return any(uses_ids(s) for s in schema)
    if not isinstance(schema, dict):
        return False
    for k, v in schema.items():
        if k in ("$id", "$anchor"):
            return True
        if k not in ("enum", "const", "default", "examples") and \
                uses_ids(v):
            return True
    return False


def load_groups(suite):
    groups = []
    files = sorted(glob.glob(os.path.join(suite, "*.json"))) + \
        sorted(glob.glob(os.path.join(suite, "optional", "format", "*.json")))
    for path in files:
        rel = os.path.relpath(path, suite)
        with open(path, encoding="utf-8") as f:
            for i, g in enumerate(json.load(f)):
                name = "G_" + re.sub(r"[^A-Za-z0-9]", "_",
                                     rel[:-5]) + "_%d" % i
                groups.append({"name": name, "file": rel,
                               "desc": g["description"],
                               "schema": g["schema"], "tests": g["tests"]})
    return groups


def write_spec(path, groups, annotate):
    """One group a line; returns {line: group}."""
    lines = ["openapi: 3.1.0",
             "info: {title: JSON-Schema-Test-Suite, version: '1'}",
             "x-formats: %s" % ("annotate" if annotate else "assert"),
             "paths: {}", "components:", "  schemas:"]
    where = {}
    for g in groups:
        schema = g["schema"]
        if isinstance(schema, dict) and "$id" in schema:
            pass        # its refs are read against its own $id
        elif isinstance(schema, dict) and uses_ids(schema):
            # A schema resource of its own, as the suite runs each
            # group: its $anchors are its own, "#" is its root.
            schema = dict(schema)
            schema["$id"] = "https://json-schema-suite.test/" + g["name"]
        else:
            schema = rebase(schema, "#/components/schemas/" + g["name"])
        text = json.dumps(schema, ensure_ascii=False)
        where[len(lines) + 1] = g
        lines.append("    %s: %s" % (g["name"], text))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return where


def generate(codegen, out, groups, annotate):
    """Generates; returns {group name: first message} for refused ones."""
    spec = os.path.join(out, "openapi.yaml")
    where = write_spec(spec, groups, annotate)
    r = subprocess.run([codegen, "-o", os.path.join(out, "gen"), spec],
                       capture_output=True, text=True, errors="replace")
    refused = {}
    other = []
    for line in r.stderr.splitlines():
        # A warning refuses nothing: the group is generated and run.
        if re.match(r"^.*openapi\.yaml:\d+:\d+: warning: ", line) or \
                re.match(r"^\d+ warnings?$", line):
            continue
        m = re.match(r"^.*openapi\.yaml:(\d+):(\d+): (?:error: )?(.*)$", line)
        if m and int(m.group(1)) in where:
            g = where[int(m.group(1))]
            refused.setdefault(g["name"], "%s:%s:%s: %s" % (
                g["file"], m.group(1), m.group(2), m.group(3)))
        elif line.strip():
            other.append(line)
    if r.returncode != 0 and not refused:
        sys.exit("json-schema-suite: the generator failed:\n" +
                 "\n".join(other))
    return refused


def run_batch(codegen, lib, out, groups, annotate):
    """Generates, builds and runs one document: (passed, failed, failure
    lines, {refused group: message})."""
    os.makedirs(out, exist_ok=True)
    refused = {}
    todo = groups
    for _ in range(5):
        more = generate(codegen, out, todo, annotate)
        if not more:
            break
        refused.update(more)
        todo = [g for g in todo if g["name"] not in refused]
    else:
        sys.exit("json-schema-suite: the generator keeps refusing")

    cases = os.path.join(out, "cases.jsonl")
    with open(cases, "w", encoding="utf-8") as f:
        for g in todo:
            for t in g["tests"]:
                f.write(json.dumps({
                    "schema": g["name"], "valid": t["valid"],
                    "body": json.dumps(t["data"]),
                    "what": "%s: %s: %s" % (g["file"], g["desc"],
                                            t["description"])}) + "\n")
    driver = os.path.join(out, "driver")
    cc = os.environ.get("CC", "cc")
    cmd = [cc, "-I" + os.path.join(out, "gen")] + \
        shlex.split(os.environ.get("CFLAGS", "")) + \
        ["-o", driver, os.path.join(ROOT, "tests", "json-schema", "driver.c"),
         os.path.join(out, "gen", "model.c"), lib] + \
        shlex.split(os.environ.get("LIBS", ""))
    if subprocess.run(cmd).returncode != 0:
        sys.exit("json-schema-suite: the generated model.c does not build")
    r = subprocess.run([driver, cases], capture_output=True, text=True,
                       errors="replace")
    lines = r.stdout.splitlines()
    m = re.match(r"(\d+) passed, (\d+) failed", lines[-1] if lines else "")
    if not m:
        sys.exit("json-schema-suite: the driver failed:\n" + r.stdout +
                 r.stderr)
    return int(m.group(1)), int(m.group(2)), lines[:-1], refused


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    codegen = os.path.abspath(sys.argv[1])
    lib = os.path.abspath(sys.argv[2])
    out = os.path.abspath(sys.argv[3])
    suite = sys.argv[4] if len(sys.argv) == 5 else os.environ.get(
        "JSON_SCHEMA_SUITE", os.path.join(ROOT, "..", "shared",
                                          "json-schema-test-suite",
                                          "draft2020-12"))
    if not os.path.isfile(os.path.join(suite, "type.json")):
        sys.exit("json-schema-suite: no draft 2020-12 suite in %s (set "
                 "JSON_SCHEMA_SUITE to its draft2020-12 directory)" % suite)
    groups = load_groups(suite)

    # The top level tests JSON Schema's default, format as an annotation
    # (x-formats: annotate); optional/format/ tests format assertion, the
    # generator's default.
    passed = failed = 0
    refused = {}
    for sub, annotate in (("top", True), ("format", False)):
        batch = [g for g in groups
                 if g["file"].startswith("optional/") != annotate]
        p, f, lines, r = run_batch(codegen, lib, os.path.join(out, sub),
                                   batch, annotate)
        passed += p
        failed += f
        refused.update(r)
        for line in lines:
            print(line)

    byreason = defaultdict(list)
    bad = 0
    nrefused = 0
    for g in groups:
        if g["name"] not in refused:
            continue
        msg = refused[g["name"]]
        reason = next((r for r, rx in ALLOWED
                       if rx.search(msg.split(": ", 1)[1])), None)
        if reason is None:
            bad += len(g["tests"])
            reason = "NOT ALLOWED"
        nrefused += len(g["tests"])
        byreason[reason].append((g, msg))
    print("refused groups, by reason:")
    for reason in sorted(byreason):
        items = byreason[reason]
        print("  %s: %d groups, %d tests" % (
            reason, len(items), sum(len(g["tests"]) for g, _ in items)))
        for g, msg in items:
            print("    %s (%s)" % (msg, g["desc"]))
    top = sum(len(g["tests"]) for g in groups
              if not g["file"].startswith("optional/")
              and g["name"] not in refused)
    print("json-schema-suite: %d passed, %d failed (%d top-level tests run; "
          "%d tests in refused groups%s)" % (
              passed, failed + bad, top, nrefused,
              ", %d of them for a reason not allowed" % bad if bad else ""))
    sys.exit(1 if failed + bad else 0)


if __name__ == "__main__":
    main()
