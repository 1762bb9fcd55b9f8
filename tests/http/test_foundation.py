"""The foundation: root, spec, docs, routing errors, limits, keep-alive,
stubs, configuration and graceful shutdown - against the real server and
a real PostgreSQL."""
import json
import os
import select
import signal
import socket
import subprocess
import time
import unittest

import yaml

from harness import REPO, SERVER_BIN, Server, ServerCase, config_check, db_url_for, direct_only, psql

SPEC_PATH = os.path.join(REPO, "openapi.yaml")
with open(SPEC_PATH, "rb") as f:
    SPEC_BYTES = f.read()
SPEC = yaml.safe_load(SPEC_BYTES)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

def stub_operations():
    """Operations still answered by their generated stub: the weak api_*
    symbols nobody in handlers/ replaced (nm: "W")."""
    out = subprocess.run(["nm", SERVER_BIN], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1][len("api_"):] for line in out.splitlines()
            if line.split()[1:2] == ["W"] and line.split()[-1].startswith("api_")}


def fill(path):
    """A concrete URL for a path template."""
    out = []
    for seg in path.split("/"):
        if seg.startswith("{"):
            seg = "a.png" if seg == "{name}" else "1"
        out.append(seg)
    return "/".join(out)


def protected(op):
    """Whether the operation requires credentials (no {} alternative)."""
    sec = op.get("security", SPEC.get("security", []))
    return bool(sec) and all(req for req in sec)


def example_body(op):
    """The first example of the operation's JSON body schema, or None."""
    media = op.get("requestBody", {}).get("content", {}).get("application/json")
    if not media:
        return None
    ref = media["schema"].get("$ref", "")
    schema = SPEC["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else media["schema"]
    return schema["examples"][0]


def raw_exchange(port, data, wait=0.0, more=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    if wait:
        time.sleep(wait)
    if more:
        try:
            s.sendall(more)
        except OSError:
            pass
    chunks = []
    while True:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks)


def parse_raw(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


class FoundationTest(ServerCase):
    def assertEnvelope(self, r, status, message=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
        body = r.json()
        self.assertIs(body["success"], False)
        self.assertIsInstance(body["message"], str)
        if message is not None:
            self.assertEqual(body["message"], message)
        self.assertTrue(r.headers.get("X-Request-Id"))
        return body

    def test_root(self):
        r = self.srv.request("GET", "/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.assertEqual(r.json(), {"message": "API is running", "docs": "/docs"})
        self.assertRegex(r.headers["X-Request-Id"], r"^[0-9a-f]{32}$")

    def test_head_root(self):
        r = self.srv.request("HEAD", "/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")

    def test_request_id_kept_when_well_formed(self):
        r = self.srv.request("GET", "/", headers={"X-Request-Id": "abc-123.x_y"})
        self.assertEqual(r.headers["X-Request-Id"], "abc-123.x_y")
        r = self.srv.request("GET", "/", headers={"X-Request-Id": "bad id<script>"})
        self.assertRegex(r.headers["X-Request-Id"], r"^[0-9a-f]{32}$")

    def test_openapi_yaml_is_the_spec(self):
        r = self.srv.request("GET", "/openapi.yaml")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "application/yaml")
        self.assertEqual(r.body, SPEC_BYTES)

    def test_openapi_json_is_the_spec(self):
        r = self.srv.request("GET", "/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.assertEqual(r.json(), SPEC)

    def test_docs_served_locally(self):
        r = self.srv.request("GET", "/docs")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        html = r.body.decode()
        self.assertIn("/static/swagger-ui/swagger-ui-bundle.js", html)
        self.assertIn("'/openapi.json'", html)
        self.assertNotRegex(html, r"https?://")   # no CDN, nothing remote
        for asset, ctype in (("/static/swagger-ui/swagger-ui-bundle.js", "text/javascript"),
                             ("/static/swagger-ui/swagger-ui.css", "text/css"),
                             ("/static/swagger-ui/favicon-32x32.png", "image/png")):
            a = self.srv.request("GET", asset)
            self.assertEqual(a.status, 200, asset)
            self.assertTrue(a.headers["Content-Type"].startswith(ctype), asset)
            self.assertEqual(int(a.headers["Content-Length"]), len(a.body))
            self.assertGreater(len(a.body), 100)

    def test_redoc_served_locally(self):
        r = self.srv.request("GET", "/redoc")
        self.assertEqual(r.status, 200)
        html = r.body.decode()
        self.assertIn('spec-url="/openapi.json"', html)
        self.assertNotRegex(html, r"https?://")
        a = self.srv.request("GET", "/static/redoc/redoc.standalone.js")
        self.assertEqual(a.status, 200)
        self.assertGreater(len(a.body), 100000)
        self.assertNotIn(b"https://cdn.", a.body)      # its footer logo is inlined

    def test_static_names_cannot_escape(self):
        for path in ("/static/swagger-ui/../package.json", "/static/swagger-ui/%2e%2e/package.json",
                     "/static/swagger-ui/.bin", "/static/swagger-ui/", "/static/other/x.js",
                     "/static/swagger-ui/nope.js", "/static/redoc/../../package.json"):
            r = self.srv.request("GET", path)
            self.assertEnvelope(r, 404)
        r = self.srv.request("POST", "/static/swagger-ui/swagger-ui.css")
        self.assertEnvelope(r, 405)
        self.assertEqual(r.headers["Allow"], "GET, HEAD")

    def test_unknown_route(self):
        r = self.srv.request("GET", "/nope/deeper")
        self.assertEnvelope(r, 404, "Route /nope/deeper not found")
        r = self.srv.request("GET", "/posts/")          # strict: no trailing slash
        self.assertEnvelope(r, 404, "Route /posts/ not found")

    def test_method_not_allowed_lists_every_method(self):
        cases = {}
        for path, item in SPEC["paths"].items():
            allowed = [m.upper() for m in ("get", "head", "post", "put", "patch", "delete", "options", "trace")
                       if m in item]
            cases[path] = allowed
        for path, allowed in cases.items():
            wrong = next(m for m in ("PUT", "POST", "DELETE", "PATCH") if m not in allowed)
            r = self.srv.request(wrong, fill(path))
            self.assertEnvelope(r, 405, "Method Not Allowed")
            self.assertEqual(r.headers["Allow"], ", ".join(allowed), path)

    def test_unwritten_operations_answer_501(self):
        # Security and validation come before the handler: a protected
        # stub answers 401 to a caller without credentials, and a public
        # one answers 501 to a valid request.
        stubs = stub_operations()
        if not stubs:
            self.skipTest("every operation has a handler (the stubs are "
                          "checked by the generator fixtures)")
        for path, item in SPEC["paths"].items():
            for m in METHODS:
                op = item.get(m)
                if not op or op["operationId"] not in stubs:
                    continue
                r = self.srv.request(m.upper(), fill(path), body=example_body(op))
                if protected(op):
                    self.assertEnvelope(r, 401, "Not authenticated")
                    self.assertEqual(r.headers["WWW-Authenticate"], "Bearer")
                else:
                    self.assertEnvelope(r, 501, f"Operation {op['operationId']} is not implemented")

    @direct_only("the server's own keep-alive connection")
    def test_keep_alive_survives_every_kind_of_answer(self):
        c = self.srv.conn()
        self.srv.request("GET", "/", conn=c)
        sock = c.sock
        for method, path, body in (("GET", "/nope", None), ("PUT", "/", None),
                                   ("POST", "/auth/register", {"name": "", "email": "x"}),
                                   ("GET", "/docs", None), ("GET", "/", None)):
            r = self.srv.request(method, path, body=body, conn=c)
            self.assertIn(r.status, (200, 404, 405, 422))
            self.assertIs(c.sock, sock, f"{method} {path} closed the connection")
        c.close()

    @direct_only("raw socket")
    def test_declared_body_over_limit_is_refused_before_reading(self):
        resp = raw_exchange(self.srv.port,
                            b"POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 104857600\r\n\r\n")
        status, headers, body = parse_raw(resp)
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(body)["success"], False)

    def _chunked_post(self, nchunks):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(b"POST /auth/register HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/json\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(nchunks):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        data = b""
        while True:
            try:
                b = s.recv(65536)
            except OSError:
                break
            if not b:
                break
            data += b
        s.close()
        return data

    @direct_only("raw socket")
    def test_streamed_body_is_length_required(self):
        # Kore reads request bodies by Content-Length only: a chunked body
        # is refused from its head, 411 in the envelope, and what the
        # client goes on sending is read and dropped until it is done, so
        # it reads the answer (no reset), however much it sends.
        for n in (1, 20, 64):                                           # up to 4 MiB
            status, headers, body = parse_raw(self._chunked_post(n))
            self.assertEqual(status, 411)
            self.assertEqual(headers["content-type"], "application/json")
            self.assertEqual(headers["connection"], "close")
            self.assertIn("Content-Length", json.loads(body)["message"])
        self.assertEqual(self.srv.request("GET", "/").status, 200)

    def test_access_log_line(self):
        self.srv.request("GET", "/nope-logged")
        time.sleep(0.2)
        self.assertTrue(any(l.startswith("GET /nope-logged → 404 (") and l.endswith("ms)")
                            for l in self.srv.out), self.srv.out[-5:])

    def test_migrations_recorded(self):
        url = db_url_for(self.srv.db)
        out = subprocess.run(["psql", url, "-qAtc", "SELECT version FROM schema_migrations ORDER BY 1"],
                             capture_output=True, text=True, check=True).stdout.split()
        files = sorted(f for f in os.listdir(os.path.join(REPO, "sql/migrations")) if f.endswith(".sql"))
        strip = lambda v: v[:-4] if v.endswith(".sql") else v
        self.assertEqual([strip(o) for o in out], [strip(f) for f in files])


@direct_only("start-up, shutdown and configuration: raw sockets and process exit codes")
@direct_only("holds the server's connections itself")

def refused_answer(srv):
    """What a new connection over a limit gets, unasked: the whole answer
    until the server closes (b"" when closed unanswered)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        data = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    return data
                data += b
        except ConnectionResetError:
            return data


def assert_refused(test, data):
    """503 in the envelope, and the connection closed."""
    status, headers, body = parse_raw(data)
    test.assertEqual(status, 503, data)
    test.assertEqual(headers.get("content-type"), "application/json")
    test.assertIn("Too many connections", json.loads(body)["message"])


def served_again(srv, within=5):
    """True once a new connection is answered 200 (after a held one
    closed: the close is noticed by its worker), within seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if srv.request("GET", "/").status == 200:
                return True
        except (ConnectionError, OSError):
            pass
        time.sleep(0.05)
    return False


class ConnectionLimitTest(unittest.TestCase):
    def test_over_the_limit_is_refused_at_once_not_queued(self):
        """CONNECTION_LIMIT=4 with four idle keep-alive connections open:
        a fifth is answered 503 and closed as soon as it is accepted (a
        limit that stops accepting, as Kore's worker_max_connections does,
        would leave it waiting in the kernel's backlog until a slot
        frees), the four are still served, and once one closes a new
        connection is answered again."""
        srv = Server(env={"CONNECTION_LIMIT": "4"}).wait_ready()
        held = []
        try:
            for _ in range(4):
                c = srv.conn()
                self.assertEqual(srv.request("GET", "/", conn=c).status, 200)
                held.append(c)
            for _ in range(3):
                t0 = time.monotonic()
                assert_refused(self, refused_answer(srv))
                self.assertLess(time.monotonic() - t0, 1.0)
            for c in held:
                self.assertEqual(srv.request("GET", "/", conn=c).status, 200)
            held.pop().close()
            self.assertTrue(served_again(srv), "no slot after a close")
            self.assertTrue(srv.wait_line("CONNECTION_LIMIT (4) reached"), srv.lines[-5:])
        finally:
            for c in held:
                c.close()
            srv.stop()


class PerIpLimitTest(unittest.TestCase):
    def test_per_ip_limit_counts_over_every_io_thread(self):
        """PER_IP_CONNECTION_LIMIT=3 with two Kore workers (each counts
        its own connections, so the count is the server's, not a
        worker's): a fourth connection from 127.0.0.1 is answered 503 and
        closed, and once one of the three closes a new one is served."""
        srv = Server(env={"PER_IP_CONNECTION_LIMIT": "3"}).wait_ready()
        held = []
        try:
            for _ in range(3):
                c = srv.conn()
                self.assertEqual(srv.request("GET", "/", conn=c).status, 200)
                held.append(c)
            for _ in range(4):
                assert_refused(self, refused_answer(srv))
            held.pop().close()
            self.assertTrue(served_again(srv), "no slot after a close")
            for c in held:
                self.assertEqual(srv.request("GET", "/", conn=c).status, 200)
        finally:
            for c in held:
                c.close()
            srv.stop()


class LifecycleTest(unittest.TestCase):
    def test_graceful_shutdown_finishes_in_flight_request(self):
        srv = Server().wait_ready()
        try:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            body = b'{"name":"Shutdown","email":"shutdown@example.com","password":"correct-horse-42"}'
            s.sendall(b"POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
            time.sleep(0.3)
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            # no new connections once shutting down
            with self.assertRaises(OSError):
                with socket.create_connection(("127.0.0.1", srv.port), timeout=2) as probe:
                    probe.recv(1)
            s.sendall(body[5:])
            data = b""
            while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
                b = s.recv(65536)
                if not b:
                    break
                data += b
            status, _, payload = parse_raw(data)
            self.assertIn(status, (201, 501))       # handled, whether written yet or not
            self.assertEqual(srv.wait_exit(), 0)
            self.assertFalse(srv.sanitizer_reports(), "\n".join(srv.lines))
            s.close()
        finally:
            srv.stop()

    def test_sigint_exits_zero(self):
        srv = Server().wait_ready()
        self.assertEqual(srv.stop(signal.SIGINT), 0)

    def test_config_errors_are_all_reported(self):
        srv = Server(use_db=False)
        srv.stop()
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("# comment\nNO_SUCH_KEY = 1\nPORT = seventy\nWORKERS = 4\n")
        try:
            p = config_check({}, conf=f.name)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(f"{f.name}:2:", p.stderr)
            self.assertIn(f"{f.name}:3:", p.stderr)
        finally:
            os.unlink(f.name)

    def test_secret_key_required_in_production(self):
        srv = Server(env={"ENVIRONMENT": "production", "SECRET_KEY": ""}, use_db=False)
        self.assertNotEqual(srv.wait_exit(), 0)
        self.assertTrue(any("SECRET_KEY" in l for l in srv.lines), srv.lines)
        srv.stop()

    def test_unreachable_database_at_start_is_a_clear_error(self):
        srv = Server(env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"},
                     use_db=False)
        self.assertNotEqual(srv.wait_exit(), 0)
        self.assertTrue(any("migrat" in l or "connect" in l for l in srv.lines), srv.lines)
        srv.stop()


if __name__ == "__main__":
    unittest.main()
