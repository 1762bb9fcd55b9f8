#!/usr/bin/env python3
"""with-server.py CMD [ARG...] - run CMD against a freshly started server.

The server is started exactly as the HTTP tests start it (tests/http/
harness.py: TEST_SERVER, a free port, a database of its own created from
DATABASE_URL and dropped afterwards, a state directory of its own), and
CMD runs with API_URL=http://127.0.0.1:PORT in its environment.  Used by
the client test (tests/sdk) and the browser test (tests/browser).

The exit status is CMD's; it is 1 instead when CMD passed but the server
did not exit cleanly on SIGTERM or a sanitizer reported something, and
the server's last lines are shown then.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "http"))
from harness import Server  # noqa: E402


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    srv = Server().wait_ready()
    try:
        env = dict(os.environ, API_URL=f"http://127.0.0.1:{srv.port}")
        status = subprocess.call(argv, env=env)
    finally:
        rc = srv.stop()
    reports = srv.sanitizer_reports()
    if rc != 0 or reports:
        print(f"with-server: server exit {rc}, {len(reports)} sanitizer report(s)", file=sys.stderr)
        print("\n".join(srv.lines[-60:]), file=sys.stderr)
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
