#!/usr/bin/env python3
"""instance.py - measurements that need an instance of our server of
their own (bench/run.sh runs them after the scenarios):

    instance.py startup SERVER DIR [STARTS]
    instance.py connlimit SERVER DIR [LIMIT] [ATTEMPTS]

Each instance runs in directory DIR with the environment this script was
given (run.sh passes our server's: DATABASE_URL of the benchmark's
database, already migrated, and the rest), on a free loopback port.
Prints KEY=VALUE lines for bench/report.py.

startup: STARTS times (default 10) starts SERVER and times from just
before exec until GET / first answers 200 (polled every millisecond over
fresh connections), then stops it with SIGTERM.  Prints startup_ms=...

connlimit: starts SERVER with CONNECTION_LIMIT=LIMIT (default 64, no
per-address limit), opens LIMIT keep-alive connections and sends one
GET / on each (held: those answered 200), leaves them idle, then makes
ATTEMPTS (default 20) further connections, all at once (so that hanging
ones cost 5 s, not 5 s each): connect, send GET /, wait up to 5 s for the
server to close or reset it, refuse the connection, or answer.  An attempt is refused when the connection is
refused, closed or reset, or answered with an error status; it hangs when
nothing happens in 5 s.  Prints the counts and the median and maximum
time of an attempt in ms.
"""
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
ATTEMPT_TIMEOUT = 5.0


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Instance:
    def __init__(self, server, directory, **env):
        os.makedirs(directory, exist_ok=True)
        self.port = free_port()
        e = dict(os.environ, PORT=str(self.port), HOST="127.0.0.1")
        e.update({k: str(v) for k, v in env.items()})
        self.err = open(os.path.join(directory, "server.log"), "ab")
        self.out = open(os.path.join(directory, "server.out"), "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen([server], cwd=directory, env=e, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err)

    def get_root(self, timeout=1.0):
        """The status of one GET / on a new connection, or None."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
                s.sendall(REQUEST)
                head = s.recv(64)
                return int(head.split()[1]) if head.startswith(b"HTTP/") else None
        except (OSError, ValueError, IndexError):
            return None

    def wait_ready(self, limit=30.0):
        """ms from exec to the first 200 on GET /."""
        while time.monotonic() - self.started < limit:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode})")
            if self.get_root() == 200:
                return (time.monotonic() - self.started) * 1000
            time.sleep(0.001)
        raise RuntimeError("the server did not answer GET / in time")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        self.out.close()


def startup(server, directory, starts=10):
    times = []
    for _ in range(starts):
        inst = Instance(server, directory)
        try:
            times.append(inst.wait_ready())
        finally:
            inst.stop()
    print("startup_ms=" + " ".join(f"{t:.1f}" for t in times))


def read_response(s):
    """Read one response with a Content-Length; its status or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            return None
        body += chunk
    return int(head.split()[1])


def attempt(port):
    """(outcome, ms) of one connection beyond the limit."""
    t0 = time.monotonic()
    outcome = "hung"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=ATTEMPT_TIMEOUT) as s:
            s.settimeout(ATTEMPT_TIMEOUT)
            try:
                s.sendall(REQUEST)
                head = s.recv(64)
                if not head:
                    outcome = "closed"
                else:
                    parts = head.split()
                    outcome = f"status {parts[1].decode()}" if len(parts) > 1 else "garbage"
            except ConnectionResetError:
                outcome = "reset"
            except BrokenPipeError:
                outcome = "closed"
            except socket.timeout:
                outcome = "hung"
    except ConnectionRefusedError:
        outcome = "connection refused"
    except socket.timeout:
        outcome = "hung (connect)"
    return outcome, (time.monotonic() - t0) * 1000


def connlimit(server, directory, limit=64, attempts=20):
    # Long idle timeout: the held connections must outlast the attempts.
    inst = Instance(server, directory, CONNECTION_LIMIT=limit, PER_IP_CONNECTION_LIMIT=0,
                    CONNECTION_TIMEOUT=300)
    held = []
    try:
        inst.wait_ready()
        for _ in range(limit):
            s = socket.create_connection(("127.0.0.1", inst.port), timeout=5)
            try:
                s.sendall(REQUEST)
                if read_response(s) == 200:
                    held.append(s)
                    continue
            except OSError:
                pass
            s.close()
        with ThreadPoolExecutor(attempts) as pool:
            results = list(pool.map(attempt, [inst.port] * attempts))
    finally:
        for s in held:
            s.close()
        inst.stop()
    outcomes = {}
    for o, _ in results:
        outcomes[o] = outcomes.get(o, 0) + 1
    refused = sum(n for o, n in outcomes.items()
                  if not o.startswith("hung") and not o.startswith("status 2"))
    times = [t for _, t in results]
    print(f"connlimit_limit={limit}")
    print(f"connlimit_held={len(held)}")
    print(f"connlimit_probes={attempts}")
    print(f"connlimit_refused={refused}")
    print("connlimit_how=" + ", ".join(f"{o} {n}" for o, n in sorted(outcomes.items())))
    print(f"connlimit_median_ms={statistics.median(times):.1f}")
    print(f"connlimit_max_ms={max(times):.1f}")


def main():
    mode, server, directory = sys.argv[1:4]
    args = [int(a) for a in sys.argv[4:]]
    if mode == "startup":
        startup(server, directory, *args)
    elif mode == "connlimit":
        connlimit(server, directory, *args)
    else:
        sys.exit(f"instance.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
