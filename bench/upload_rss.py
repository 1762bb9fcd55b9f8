#!/usr/bin/env python3
"""upload_rss.py - does the server's memory grow with the size of an
upload?  (It must not: multipart bodies are streamed to files.)

For each case a fresh server is started (tests/http/harness.py: its own
database and state directory), one request is sent, and the peak resident
set of the server process (VmHWM in /proc/PID/status) is read before and
after (reset just before the request: logging in peaks at 64 MiB).  Each case is run ROUNDS times; the table gives the medians.  Also
measured, for contrast: a JSON route fed a body of the same size, which the
server buffers (MAX_BODY_BYTES raised for it), to show the method does see
a body held in memory.

    scripts/with-pg.sh bench/upload_rss.py [SERVER] [ROUNDS]

SERVER defaults to build/release/bin/server.  Prints a markdown table.
"""
import os
import statistics
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "http"))
os.environ.setdefault("TEST_SERVER", os.path.join(REPO, "build/release/bin/server"))
if len(sys.argv) > 1:
    os.environ["TEST_SERVER"] = os.path.abspath(sys.argv[1])
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3

import harness                                   # noqa: E402  (needs TEST_SERVER)
from test_uploads import content, login, multipart  # noqa: E402

KIB, MIB = 1024, 1024 * 1024


def hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def reset_hwm(pid):
    """Peak RSS := current RSS (Linux >= 4.0): logging in hashes a password
    with Argon2id (64 MiB), a peak that would hide everything after it."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def one(kind, size):
    """(status, VmHWM before, after) for one request on a fresh server."""
    env = {"MAX_BODY_BYTES": str(16 * MIB), "WORKERS": "4", "IO_THREADS": "2",
           "ASAN_OPTIONS": "detect_leaks=0"}
    srv = harness.Server(env=env).wait_ready()
    try:
        # Without working accounts a made-up token still gets past the
        # check made before the body (a credential is present); the body
        # is then read and stored in full, and only the handler's own
        # check answers 401.
        token, _ = login(srv)
        headers = {"Authorization": f"Bearer {token or 'not-a-real-token'}"}
        srv.request("GET", "/")                  # warm: first request paths
        reset_hwm(srv.proc.pid)
        before = hwm_kib(srv.proc.pid)
        if kind == "upload":
            body, ctype = multipart([("file", "f.png", "image/png", content("png", size))])
            r = srv.request("POST", "/uploads/image", body=body,
                            headers=dict(headers, **{"Content-Type": ctype}))
        else:
            body = b'{"title": "t", "content": "' + b"x" * size + b'"}'
            r = srv.request("POST", "/posts", body=body,
                            headers=dict(headers, **{"Content-Type": "application/json"}))
        after = hwm_kib(srv.proc.pid)
        return r.status, before, after
    finally:
        srv.stop()


def main():
    cases = (("upload", 5 * KIB, "POST /uploads/image, one 5 KiB file"),
             ("upload", 5 * MIB, "POST /uploads/image, one 5 MiB file"),
             ("json", 5 * KIB, "POST /posts, 5 KiB JSON body (buffered)"),
             ("json", 5 * MIB, "POST /posts, 5 MiB JSON body (buffered)"))
    print(f"server: {os.environ['TEST_SERVER']}, {ROUNDS} fresh servers per case, medians\n")
    print("| request | status | VmHWM before | VmHWM after | growth |")
    print("|---|---|---|---|---|")
    for kind, size, label in cases:
        runs = [one(kind, size) for _ in range(ROUNDS)]
        statuses = sorted({s for s, _, _ in runs})
        before = statistics.median(b for _, b, _ in runs)
        after = statistics.median(a for _, _, a in runs)
        growth = statistics.median(a - b for _, b, a in runs)
        print(f"| {label} | {', '.join(map(str, statuses))} | {before / 1024:.1f} MiB "
              f"| {after / 1024:.1f} MiB | {growth / 1024:+.2f} MiB |")


if __name__ == "__main__":
    main()
