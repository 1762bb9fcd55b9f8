#!/usr/bin/env python3
"""report.py - the markdown of bench/run.sh from its records.

    report.py header                      the scenario table's header
    report.py rows RESULTS NAME CLIENTS   scenario NAME's rows
    report.py summary RESULTS FACTS CLIENTS   targets 1-8, met or not
    report.py kore RESULTS CLIENTS        issue 12's three ratios (point 9)

RESULTS holds one tab-separated line per run (bench/lib.sh,
bench_record): scenario, title, class, tool (wrk or pgbench), server key,
server label, clients, round, requests/s, p50 and p99 in microseconds,
requests, non-2xx, socket errors (connect/read/write/timeout), what the
probe saw, the status wanted, peak RSS in kB (ours) and the responses by
status ("200:N,201:M", mixed.lua) and the seconds the server stayed busy
after the run (bench_settle).  CLIENTS is the client count every
comparison is made at (the first of BENCH_CLIENTS).  FACTS holds
KEY=VALUE lines from run.sh and the helpers it runs (connlimit.py,
startup.py, the soak, the generator, the server's hash bound).

Each row is the median run by requests/s over the rounds; a ratio is of
two medians, with the range of the per-round ratios beside it.
"""
import os
import statistics
import sys
from collections import defaultdict

FIELDS = ("name", "title", "cls", "kind", "key", "label", "clients", "round",
          "rps", "p50", "p99", "requests", "non2xx", "errors", "probe", "want",
          "hwm", "statuses", "settle")
# ours / FastAPI at least this, by scenario class (issue 8, target 3).
FASTAPI_TARGET = {"read": 100, "write": 50, "upload": 50}
RETENTION = 0.90        # target 4: of the throughput at CLIENTS
BARE_TARGET = 0.90      # target 1
PGBENCH_TARGET = 0.80   # target 2
RSS_MIXED_KIB = 64 * 1024   # target 6
# Issue 12, point 9: ours on Kore against Kore's own anchors and pgbench.
KORE_BARE_TARGET = 0.90     # GET / ÷ bare Kore page handler, same workers
KORE_PGSQL_TARGET = 2.0     # GET /posts/{id} ÷ the kore_pgsql application
KORE_PGBENCH_TARGET = 0.90  # GET /posts/{id} ÷ pgbench -M prepared
# What each runner that is not an application server is called in a
# ratio (the others are FastAPI: "this", with the p99 compared too).
YARDSTICK = {"base": "bare", "khello": "bare Kore", "kpg": "kore_pgsql"}
HASH_KIB = 64 * 1024        # one Argon2id hash (the configured memory cost)
SOAK_GROWTH_KIB = 1024      # target 6: "flat" = at most this growth
REFUSE_MS = 1000            # target 4: "refused quickly"
STARTUP_MS = 100            # target 7
SETTLE_MAX = int(os.environ.get("BENCH_SETTLE_MAX", "120"))


def load(path):
    runs = []
    with open(path) as f:
        for line in f:
            v = line.rstrip("\n").split("\t")
            if len(v) != len(FIELDS):
                continue
            r = dict(zip(FIELDS, v))
            for k in ("clients", "round", "requests", "non2xx", "settle"):
                r[k] = int(r[k] or 0)
            for k in ("rps", "p50", "p99"):
                r[k] = float(r[k] or 0)
            r["hwm"] = int(r["hwm"]) if r["hwm"].isdigit() else None
            runs.append(r)
    return runs


def group(runs, name):
    """{(kind, key, clients): [runs by round]} for scenario NAME, in order."""
    g = defaultdict(list)
    for r in runs:
        if r["name"] == name:
            g[(r["kind"], r["key"], r["clients"])].append(r)
    return g


def median(rs):
    s = sorted(rs, key=lambda r: r["rps"])
    return s[(len(s) + 1) // 2 - 1]


def ratio(a, b):
    return a / b if b > 0 else float("nan")


def fmt_ratio(x):
    if x != x:
        return "n/a"
    return f"{x:.0f}×" if x >= 10 else f"{x:.2f}×"


def ms(us):
    return f"{us / 1000:.2f} ms"


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def failures(rs):
    """What went wrong over runs RS, in words; "" when nothing did."""
    out = []
    probe, want = rs[0]["probe"], rs[0]["want"]
    if probe != want:
        out.append(f"**expected {want}, probe got {probe}**")
    requests = sum(r["requests"] for r in rs)
    non2xx = sum(r["non2xx"] for r in rs)
    if any(r["errors"] == "failed" for r in rs):
        out.append("**a run failed**")
    elif any(r["requests"] == 0 for r in rs):
        out.append("**a run got no response**")
    if rs[0]["kind"] == "pgbench":
        if non2xx:
            out.append(f"**{non2xx} of {requests} transactions failed**")
    elif int(want) < 400 and non2xx:
        out.append(f"**{non2xx} of {requests} not 2xx/3xx**")
    elif int(want) >= 400 and non2xx != requests:
        out.append(f"**{requests - non2xx} of {requests} not {want}**")
    errs = [0, 0, 0, 0]
    for r in rs:
        if r["errors"] != "failed":
            for i, n in enumerate(r["errors"].split("/")):
                errs[i] += int(n)
    if any(errs):
        out.append("**socket errors c/r/w/t %d/%d/%d/%d**" % tuple(errs))
    return "; ".join(out)


def responses(rs):
    busy = max(r["settle"] for r in rs)
    if busy >= SETTLE_MAX:
        busy = f"; **still busy {busy} s after a run**"
    else:
        busy = f"; busy {busy} s after a run" if busy else ""
    return responses_only(rs) + busy


def responses_only(rs):
    bad = failures(rs)
    if bad:
        return bad
    if rs[0]["kind"] == "pgbench":
        return f"{sum(r['requests'] for r in rs)} transactions, none failed"
    counts = defaultdict(int)
    for r in rs:
        if r["statuses"] not in ("", "-"):
            for part in r["statuses"].split(","):
                s, n = part.split(":")
                counts[s] += int(n)
    if counts:
        return ", ".join(f"{s}: {counts[s]}" for s in sorted(counts))
    return f"all {rs[0]['want']}"


def round_range(ours, other):
    by_round = {r["round"]: r["rps"] for r in ours}
    xs = sorted(ratio(by_round[r["round"]], r["rps"]) for r in other
                if r["round"] in by_round)
    if len(xs) < 2:
        return ""
    return f" (rounds {fmt_ratio(xs[0])}–{fmt_ratio(xs[-1])})"


def header():
    print("| scenario | server | clients | requests/s | p50 | p99 | peak RSS | ratio | responses |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")


def rows(runs, name, c0):
    g = group(runs, name)
    if not g:
        return
    title = next(iter(g.values()))[0]["title"]
    base = g.get(("wrk", "ours", c0))
    order = sorted(g, key=lambda k: (k[1] != "ours" or k[0] != "wrk", k[1] != "base",
                                     k[1] != "khello", k[0] != "pgbench", k[1] != "kpg",
                                     k[1], k[2]))
    for k in order:
        rs = g[k]
        m = median(rs)
        ours = g.get(("wrk", "ours", k[2]))
        note = ""
        if k[:2] == ("wrk", "ours"):
            if k[2] != c0 and base:
                note = f"retention **{fmt_ratio(ratio(m['rps'], median(base)['rps']))}** of -c{c0}"
        elif ours:
            # Ours at the same client count divided by this runner.
            om = median(ours)
            what = "pgbench" if k[0] == "pgbench" else YARDSTICK.get(k[1], "this")
            note = (f"ours ÷ {what} **{fmt_ratio(ratio(om['rps'], m['rps']))}**"
                    + round_range(ours, rs))
            if what == "this":
                note += "; p99 lower: " + ("yes" if om["p99"] < m["p99"] else "**no**")
        hwms = [r["hwm"] for r in rs if r["hwm"] is not None]
        print(f"| {title} | {m['label']} | {k[2]} | {m['rps']:.0f} | {ms(m['p50'])} | "
              f"{ms(m['p99'])} | {mib(max(hwms)) if hwms else ''} | {note} | {responses(rs)} |")


def facts_load(path):
    facts = {}
    try:
        with open(path) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition("=")
                if sep:
                    facts[k] = v
    except FileNotFoundError:
        pass
    return facts


def verdict(ok):
    return "met" if ok else "**not met**"


def summary(runs, facts, c0):
    names = list(dict.fromkeys(r["name"] for r in runs))
    out = []

    def line(n, target, wanted, measured, result):
        out.append(f"| {n} | {target} | {wanted} | {measured} | {result} |")

    def med(name, kind, key, c):
        rs = group(runs, name).get((kind, key, c))
        return median(rs) if rs else None

    # 1. GET / against the bare server, at each of its client counts.
    g = group(runs, "root")
    cs = sorted(k[2] for k in g if k[1] == "base")
    if cs:
        parts, ok = [], True
        for c in cs:
            o, b = med("root", "wrk", "ours", c), med("root", "wrk", "base", c)
            x = ratio(o["rps"], b["rps"]) if o else float("nan")
            ok = ok and x >= BARE_TARGET
            parts.append(f"{fmt_ratio(x)} at -c{c}")
        line(1, "GET / ÷ bare libmicrohttpd (until 2026-12-08)", f"≥ {BARE_TARGET:.2f}×", ", ".join(parts), verdict(ok))
    else:
        line(1, "GET / ÷ bare libmicrohttpd (until 2026-12-08)", f"≥ {BARE_TARGET:.2f}×", "not run", "-")

    # 2. GET /posts/{id} against pgbench running PostGet.
    o, p = med("post-get", "wrk", "ours", c0), med("post-get", "pgbench", "ours", c0)
    if o and p:
        x = ratio(o["rps"], p["rps"])
        line(2, "GET /posts/{id} ÷ pgbench (PostGet, -M prepared)", f"≥ {PGBENCH_TARGET:.2f}×",
             f"{fmt_ratio(x)} at -c{c0} ({o['rps']:.0f} vs {p['rps']:.0f})",
             verdict(x >= PGBENCH_TARGET))
    else:
        line(2, "GET /posts/{id} ÷ pgbench", f"≥ {PGBENCH_TARGET:.2f}×", "not run", "-")

    # 3. Against FastAPI, every scenario that has a class.
    bad, good, n = [], [], 0
    for name in names:
        g = group(runs, name)
        for k, rs in g.items():
            cls = rs[0]["cls"]
            if k[0] != "wrk" or k[1] == "ours" or k[1] in YARDSTICK or cls not in FASTAPI_TARGET:
                continue
            o = g.get(("wrk", "ours", k[2]))
            if not o:
                continue
            n += 1
            om, m = median(o), median(rs)
            x = ratio(om["rps"], m["rps"])
            want = FASTAPI_TARGET[cls]
            p99 = om["p99"] < m["p99"]
            s = f"{rs[0]['title']} {fmt_ratio(x)}"
            if x >= want and p99 and not failures(o):
                good.append(s)
            else:
                why = [] if x >= want else [f"< {want}×"]
                if not p99:
                    why.append(f"p99 {ms(om['p99'])} ≥ {ms(m['p99'])}")
                bad.append(s + " (" + ", ".join(why or ["failed requests"]) + ")")
    wanted = "reads ≥ 100×, writes and uploads ≥ 50×, lower p99"
    if n:
        line(3, f"ours ÷ FastAPI at -c{c0}", wanted,
             "; ".join(bad + good) if bad else f"all {n}: " + ", ".join(good), verdict(not bad))
    else:
        line(3, "ours ÷ FastAPI", wanted, "not run (BENCH_ANCHOR=0)", "-")

    # 4. Retention at the higher client counts, no failed request.
    worst, bad_runs, n = None, [], 0
    for name in names:
        g = group(runs, name)
        base = g.get(("wrk", "ours", c0))
        for k, rs in g.items():
            if k[:2] != ("wrk", "ours"):
                continue
            if failures(rs):
                bad_runs.append(f"{rs[0]['title']} -c{k[2]}: {failures(rs)}")
            if k[2] == c0 or not base:
                continue
            n += 1
            x = ratio(median(rs)["rps"], median(base)["rps"])
            if worst is None or x < worst[0]:
                worst = (x, f"{rs[0]['title']} at -c{k[2]}")
    if n:
        measured = f"lowest {fmt_ratio(worst[0])} ({worst[1]}); "
        measured += "; ".join(bad_runs) if bad_runs else "no failed request"
        line("4a", f"throughput at higher -c ÷ at -c{c0}", f"≥ {RETENTION:.2f}×, zero failed",
             measured, verdict(worst[0] >= RETENTION and not bad_runs))
    if "connlimit_limit" in facts:
        f = facts
        probes = int(f.get("connlimit_probes", 0))
        refused = int(f.get("connlimit_refused", 0))
        mx = float(f.get("connlimit_max_ms", "nan"))
        measured = (f"CONNECTION_LIMIT={f['connlimit_limit']}, {f.get('connlimit_held')} held: "
                    f"{refused} of {probes} further attempts refused ({f.get('connlimit_how', '')}), "
                    f"median {f.get('connlimit_median_ms')} ms, max {f.get('connlimit_max_ms')} ms")
        line("4b", "beyond the connection limit", f"refused within {REFUSE_MS} ms",
             measured, verdict(probes > 0 and refused == probes and mx <= REFUSE_MS))

    # 5. Logins at 256 (or the highest count run).
    g = group(runs, "login")
    cs = sorted(k[2] for k in g if k[:2] == ("wrk", "ours"))
    if cs:
        c = 256 if 256 in cs else cs[-1]
        rs = g[("wrk", "ours", c)]
        m = median(rs)
        hwm = max((r["hwm"] for r in rs if r["hwm"] is not None), default=None)
        measured = f"{m['rps']:.0f} req/s at -c{c}"
        base = g.get(("wrk", "ours", c0))
        if base and c != c0:
            measured += f" ({fmt_ratio(ratio(m['rps'], median(base)['rps']))} of -c{c0})"
        measured += f", peak RSS {mib(hwm) if hwm else '?'}"
        result = "reported"
        wanted = "peak RSS ≤ the bound, throughput at the hashing limit"
        if facts.get("hash_bound"):
            bound = int(facts["hash_bound"]) * HASH_KIB + RSS_MIXED_KIB
            measured += f"; {facts['hash_bound']} hashes at once (server log)"
            wanted = (f"peak RSS ≤ {facts['hash_bound']} × 64 MiB + 64 MiB = {mib(bound)}")
            result = verdict(hwm is not None and hwm <= bound and not failures(rs))
        else:
            measured += "; the server printed no hash bound"
        if failures(rs):
            measured += "; " + failures(rs)
        line(5, f"{c} concurrent logins", wanted, measured, result)

    # 6. Peak RSS of a fresh server over the mixed runs at 256, the soak.
    if facts.get("mem_hwm_kb"):
        hwm = int(facts["mem_hwm_kb"])
        measured = (f"{mib(hwm)} (the start-up's own peak, not counted: "
                    f"{mib(int(facts.get('mem_start_kb') or 0))}); "
                    f"runs: {facts.get('mem_runs') or 'failed'}")
        line("6a", "peak RSS of a fresh server, mixed at -c256", f"≤ {mib(RSS_MIXED_KIB)}",
             measured, verdict(hwm <= RSS_MIXED_KIB and facts.get("mem_ok") == "1"))
    if facts.get("soak_seconds"):
        growth = int(facts.get("soak_growth_kb", 0))
        measured = (f"{facts['soak_seconds']} s at -c{facts.get('soak_clients')}: VmRSS after "
                    f"{facts.get('soak_warmup')} s warm-up {facts.get('soak_samples')}; growth "
                    f"{growth / 1024:+.1f} MiB; {facts.get('soak_rps')} req/s, {facts.get('soak_responses')}")
        ok = growth <= SOAK_GROWTH_KIB and facts.get("soak_ok") == "1"
        line("6b", "soak, mixed", f"growth after warm-up ≤ {mib(SOAK_GROWTH_KIB)}", measured,
             verdict(ok))
    else:
        line("6b", "soak, mixed", f"growth after warm-up ≤ {mib(SOAK_GROWTH_KIB)}",
             "not run (BENCH_SOAK=600 runs it)", "-")

    # 7. Start-up.
    if facts.get("startup_ms"):
        xs = [float(x) for x in facts["startup_ms"].split()]
        med7 = statistics.median(xs)
        line(7, "exec to the first 200 on GET /", f"< {STARTUP_MS} ms (median)",
             f"median {med7:.1f} ms, max {max(xs):.1f} ms over {len(xs)} starts",
             verdict(med7 < STARTUP_MS))

    # 8. The generator.
    if facts.get("generator"):
        line(8, "GitHub's REST description", "recorded", facts["generator"], "reported")
    else:
        line(8, "GitHub's REST description", "recorded", "not run (BENCH_GENERATOR=1 runs it)", "-")

    print("| # | target | wanted | measured | result |")
    print("|---|---|---|---|---|")
    print("\n".join(out))


def kore(runs, c0):
    """Issue 12, point 9: the three ratios of ours on Kore, from one run."""
    out = []

    def med(name, kind, key, c):
        rs = group(runs, name).get((kind, key, c))
        return median(rs) if rs else None

    def line(n, target, wanted, measured, result):
        out.append(f"| {n} | {target} | {wanted} | {measured} | {result} |")

    def versus(name, kind, key, c):
        """(ours ÷ runner, the words) at -cC, None when either was not run."""
        o, m = med(name, "wrk", "ours", c), med(name, kind, key, c)
        if not (o and m):
            return None
        x = ratio(o["rps"], m["rps"])
        rng = round_range(group(runs, name)[("wrk", "ours", c)], group(runs, name)[(kind, key, c)])
        rng = rng.replace(" (", "; ").rstrip(")")
        return x, f"{fmt_ratio(x)} at -c{c} ({o['rps']:.0f} vs {m['rps']:.0f} req/s{rng})"

    # K1: GET / against the bare Kore page handler, at every count run.
    cs = sorted(k[2] for k in group(runs, "root") if k[:2] == ("wrk", "khello"))
    parts, ok = [], True
    for c in cs:
        r = versus("root", "wrk", "khello", c)
        if r:
            ok = ok and r[0] >= KORE_BARE_TARGET
            parts.append(r[1])
    wanted = f"≥ {KORE_BARE_TARGET:.2f}×"
    if parts:
        line("K1", "GET / ÷ bare Kore page handler (same workers, same 43 bytes)", wanted,
             "; ".join(parts), verdict(ok))
    else:
        line("K1", "GET / ÷ bare Kore page handler", wanted, "not run", "-")

    # K2, K3: GET /posts/{id} against kore_pgsql and pgbench, at c0.
    for n, kind, key, target, title in (
            ("K2", "wrk", "kpg", KORE_PGSQL_TARGET,
             "GET /posts/{id} ÷ Kore kore_pgsql application (http_state, async)"),
            ("K3", "pgbench", "ours", KORE_PGBENCH_TARGET,
             "GET /posts/{id} ÷ pgbench (PostGet, -M prepared)")):
        wanted = f"≥ {target:.2f}×" if target < 1 else f"≥ {target:.0f}×"
        r = versus("post-get", kind, key, c0)
        if r:
            line(n, title, wanted, r[1], verdict(r[0] >= target))
        else:
            line(n, title, wanted, "not run", "-")

    print("| # | target | wanted | measured | result |")
    print("|---|---|---|---|---|")
    print("\n".join(out))


def main():
    mode = sys.argv[1]
    if mode == "header":
        header()
    elif mode == "rows":
        rows(load(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif mode == "kore":
        kore(load(sys.argv[2]), int(sys.argv[3]))
    elif mode == "summary":
        summary(load(sys.argv[2]), facts_load(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"report.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
