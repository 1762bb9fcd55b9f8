"""test_workers.py - what must hold over Kore's several worker processes:
limits counted for the machine, not per worker, and log lines and mbox
messages written whole by all of them at once."""
import concurrent.futures
import http.client
import re
import unittest

from harness import Server, direct_only
from test_middleware import assert_clean_exit, mbox_messages, stop_and_keep


def register(port, i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = ('{"name": "W%d", "email": "w%d@example.com", "password": "correct-horse-42"}'
                % (i, i))
        c.request("POST", "/auth/register", body=body,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


@direct_only("reads the server's own log files and exit line")
class WorkersTest(unittest.TestCase):
    def test_hashing_bounded_for_the_machine(self):
        """CPU_WORKERS=1 with Kore's two workers: eight registrations at
        once (each an Argon2id hash, 64 MiB) never run more than one hash
        at a time over both processes, and every mail is a whole message."""
        srv = Server(env={"CPU_WORKERS": "1"}).wait_ready()
        try:
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda i: register(srv.port, i), range(8)))
            self.assertEqual(statuses, [201] * 8)
            rc, _, _, outbox = stop_and_keep(srv)
            assert_clean_exit(self, srv, rc)
            self.assertTrue(any("password hashing: at most 1 at once (CPU_WORKERS 1)" in l
                                for l in srv.lines), srv.lines[-10:])
            msgs = mbox_messages(outbox)
            self.assertEqual(sorted(m["To"] for m in msgs),
                             sorted(f"w{i}@example.com" for i in range(8)))
            for m in msgs:
                self.assertIn("W", m["Subject"])
                self.assertTrue(m.get_payload().strip())
        finally:
            srv.stop()

    def test_log_lines_whole_over_every_worker(self):
        """Three hundred requests with long paths at once, spread over the
        workers: every console and REQUEST_LOG line is one whole line."""
        srv = Server(env={"PER_IP_CONNECTION_LIMIT": "0"}).wait_ready()
        try:
            paths = [f"/whole/{i:04d}/" + "x" * 700 for i in range(300)]
            with concurrent.futures.ThreadPoolExecutor(32) as pool:
                statuses = list(pool.map(lambda p: get(srv.port, p), paths))
            self.assertEqual(set(statuses), {404})
            rc, reqlog, _, _ = stop_and_keep(srv)
            assert_clean_exit(self, srv, rc)
            file_pat = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] GET (/whole/\d{4}/x{700}) 404 \d+ms$")
            seen = [file_pat.match(l) for l in reqlog.splitlines()]
            self.assertTrue(all(seen), [l for l, m in zip(reqlog.splitlines(), seen) if not m][:3])
            self.assertEqual(sorted(m.group(1) for m in seen), sorted(paths))
            console = [l for l in srv.out if "/whole/" in l]
            con_pat = re.compile(r"^GET (/whole/\d{4}/x{700}) → 404 \(\d+\.\d\dms\)$")
            self.assertEqual(sorted(con_pat.match(l).group(1) for l in console), sorted(paths))
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
