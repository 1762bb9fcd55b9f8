"""Hostile and broken clients (issue 12, point 7), against the real server
under Kore: ambiguous framing and malformed heads refused with the
envelope and the connection closed (RFC 9112 section 6.3), refusals a
client still sending its body can read (no reset, no broken pipe), slow
heads closed by the header deadline, page numbers past the end, and a
token that is not valid yet.

Every refusal is checked the same way: the exact status, Content-Type
application/json, the body {"success": false, "message": ...}, the end of
the connection right after the answer (recv gives b"", not a reset and not
a wait), and a normal request served afterwards."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

from harness import Server, direct_only

SECRET = "test-secret-key-0123456789abcdef"     # harness.Server's SECRET_KEY
MiB = 1024 * 1024
# Long enough for an answer on a loaded 2-core machine, short enough that
# a connection left open fails the test quickly.
WAIT = 5.0


# --- raw HTTP ---------------------------------------------------------------

class Exchange:
    """What came back on a raw connection: the bytes, and how it ended
    ("eof", "reset" or "timeout")."""

    def __init__(self, data, end, elapsed):
        self.data = data
        self.end = end
        self.elapsed = elapsed
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.setdefault(name.strip().lower(), value.strip())

    def __repr__(self):
        return f"<{self.end} after {self.elapsed:.2f}s: {self.data[:300]!r}>"


def read_to_end(s, timeout=WAIT):
    """Everything the server sends until it closes, and how it closed."""
    chunks = []
    start = time.monotonic()
    deadline = start + timeout
    end = "eof"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            end = "timeout"
            break
        s.settimeout(left)
        try:
            b = s.recv(65536)
        except socket.timeout:
            end = "timeout"
            break
        except ConnectionResetError:
            end = "reset"
            break
        if not b:
            break
        chunks.append(b)
    return Exchange(b"".join(chunks), end, time.monotonic() - start)


def exchange(port, data, timeout=WAIT):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        return read_to_end(s, timeout)
    finally:
        s.close()


def head(method="GET", target="/", version="HTTP/1.1", fields=(("Host", "x"),), eol=b"\r\n"):
    """A request head from its parts; fields as (name, value) or raw bytes."""
    out = [f"{method} {target} {version}".encode()]
    for f in fields:
        out.append(f if isinstance(f, bytes) else f"{f[0]}: {f[1]}".encode())
    return eol.join(out) + eol + eol


# --- tokens and bodies ------------------------------------------------------

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(claims, secret=SECRET):
    h = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    c = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{h}.{c}".encode(), hashlib.sha256).digest()
    return f"{h}.{c}.{b64(sig)}"


BOUNDARY = "----hostile-boundary-5e1f0c"


def multipart_png(size):
    """A multipart body with one `file` part of size bytes of "PNG"."""
    data = b"\x89PNG\r\n\x1a\n" + bytes(size - 8)
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def chunks(data, size=64 * 1024):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def register_and_login(srv):
    email = f"hostile-{uuid.uuid4().hex[:12]}@example.com"
    r = srv.request("POST", "/auth/register",
                    {"name": "Mallory", "email": email, "password": "password123"})
    assert r.status == 201, r
    r = srv.request("POST", "/auth/login", {"email": email, "password": "password123"})
    assert r.status == 200, r
    body = r.json()
    return body["access_token"], body["user"]["id"]


# --- the cases --------------------------------------------------------------

class HostileCase(unittest.TestCase):
    kore_extra = ""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(kore_extra=cls.kore_extra)
        try:
            cls.srv.wait_ready()
            cls.prepare()
        except BaseException:
            # No tearDownClass after a failed setUpClass: no server and
            # no database left behind.
            cls.srv.stop()
            raise

    @classmethod
    def prepare(cls):
        """What the class needs on its server (users, posts)."""

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        reports = cls.srv.sanitizer_reports()
        assert rc == 0 and not reports, "server exit %d\n%s" % (rc, "\n".join(cls.srv.lines[-40:]))

    def assertEnvelopeJSON(self, status, ctype, body, want, what):
        self.assertEqual(status, want, what)
        self.assertTrue((ctype or "").startswith("application/json"),
                        f"Content-Type {ctype!r}: {what}")
        try:
            doc = json.loads(body)
        except ValueError:
            self.fail(f"not JSON: {what}")
        self.assertIs(doc.get("success"), False, what)
        self.assertIsInstance(doc.get("message"), str, what)
        self.assertTrue(doc["message"], what)
        return doc

    def assertServes(self):
        """A normal request on a new connection still works."""
        r = self.srv.send("GET", "/", None, {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["message"], "API is running")

    def assertRefused(self, data, status, label=None):
        """data sent on a connection of its own is answered status in the
        envelope, then the connection ends cleanly; the server goes on."""
        what = label or repr(data[:120])
        x = exchange(self.srv.port, data)
        self.assertEnvelopeJSON(x.status, x.headers.get("content-type"),
                                x.body[:int(x.headers.get("content-length", len(x.body)))],
                                status, f"{what} -> {x!r}")
        self.assertEqual(x.headers.get("connection", "").lower(), "close", f"{what} -> {x!r}")
        self.assertEqual(x.end, "eof", f"{what}: the connection must end after the answer -> {x!r}")
        self.assertEqual(len(x.body), int(x.headers["content-length"]),
                         f"{what}: nothing after the answer -> {x!r}")
        self.assertServes()
        return x


@direct_only("raw sockets: malformed heads a proxy would not pass on")
class FramingTest(HostileCase):
    """RFC 9112 section 6.3 and the head's syntax: each refused with its
    status, the envelope, and the connection closed."""

    def test_content_length_with_transfer_encoding(self):
        for fields in ((("Content-Length", "5"), ("Transfer-Encoding", "chunked")),
                       (("Transfer-Encoding", "chunked"), ("Content-Length", "5"))):
            self.assertRefused(head("POST", "/auth/login", fields=(("Host", "x"),) + fields)
                               + b"0\r\n\r\n", 400)

    def test_duplicate_content_length(self):
        for a, b in (("5", "6"), ("5", "5")):
            self.assertRefused(head("POST", "/auth/login", fields=(
                ("Host", "x"), ("Content-Length", a), ("Content-Length", b))) + b"hello", 400)

    def test_content_length_list_signed_hex_overflowing(self):
        for value in ("5, 5", "5,6", "+5", "-1", " -0", "0x5", "5.0", "5e0", "five",
                      "99999999999999999999", "18446744073709551621", "1234567890123456789"):
            self.assertRefused(head("POST", "/auth/login", fields=(
                ("Host", "x"), ("Content-Length", value))) + b"hello", 400, f"Content-Length: {value}")

    def test_content_length_over_the_body_limit(self):
        # 18 digits parse, and are far over http_body_max: 413 before any body.
        self.assertRefused(head("POST", "/auth/login", fields=(
            ("Host", "x"), ("Content-Length", "999999999999999999"))), 413)

    def test_space_before_the_colon(self):
        for raw in (b"Content-Length : 5", b"Transfer-Encoding : chunked", b"Content-Length\t: 5",
                    b"Host : x"):
            self.assertRefused(head("POST", "/auth/login", fields=(("Host", "x"), raw)) + b"hello",
                               400, raw.decode())

    def test_transfer_encoding_chunked_is_length_required(self):
        # Kore has no chunked request bodies: 411, whatever the chunks say.
        for body in (b"2\r\n{}\r\n0\r\n\r\n",
                     b"ffffffffffffffff\r\nhello",
                     b"2;" + b"x" * 65536 + b"\r\n{}\r\n0\r\n\r\n"):
            self.assertRefused(head("POST", "/auth/login", fields=(
                ("Host", "x"), ("Content-Type", "application/json"),
                ("Transfer-Encoding", "chunked"))) + body, 411, repr(body[:30]))

    def test_other_transfer_codings_not_implemented(self):
        for fields in ((("Transfer-Encoding", "gzip"),),
                       (("Transfer-Encoding", "identity"),),
                       (("Transfer-Encoding", "gzip, chunked"),),
                       (("Transfer-Encoding", "chunked, chunked"),),
                       (("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")),
                       (("Transfer-Encoding", "gzip"), ("Transfer-Encoding", "chunked"))):
            self.assertRefused(head("POST", "/auth/login", fields=(("Host", "x"),) + fields)
                               + b"2\r\n{}\r\n0\r\n\r\n", 501, repr(fields))

    def test_body_on_get_head_delete_options(self):
        for method in ("GET", "HEAD", "DELETE", "OPTIONS"):
            self.assertRefused(head(method, "/", fields=(("Host", "x"), ("Content-Length", "5")))
                               + b"hello", 400, f"{method} with a body")
            self.assertRefused(head(method, "/", fields=(("Host", "x"), ("Transfer-Encoding", "chunked")))
                               + b"5\r\nhello\r\n0\r\n\r\n", 400, f"{method} chunked")

    def test_unknown_method(self):
        for method in ("FOO", "TRACE", "CONNECT", "PROPFIND", "get", "Get"):
            self.assertRefused(head(method, "/"), 405, method)

    def test_bad_version(self):
        for version in ("HTTP/2.0", "HTTP/1.2", "HTTP/3.0", "HTTP/0.9"):
            self.assertRefused(head(version=version), 505, version)
        for version in ("HTTP/1.1x", "HTTX/1.1", "http/1.1", "HTTP/11", "HTTP/1."):
            self.assertRefused(head(version=version), 400, version)
        # HTTP/1.0 knows GET, HEAD and POST only (as Kore).
        self.assertRefused(head("DELETE", "/posts/1", version="HTTP/1.0"), 405)

    def test_bad_request_line(self):
        for line in (b"GET /\r\nHost: x\r\n\r\n", b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET / HTTP/1.1 x\r\nHost: x\r\n\r\n", b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET * HTTP/1.1\r\nHost: x\r\n\r\n"):
            self.assertRefused(line, 400)

    def test_uri_too_long(self):
        # Kore's limit: a target of HTTP_URI_LEN - 1 (1999) bytes or more.
        self.assertRefused(head(target="/" + "a" * 1998), 414)
        self.assertRefused(head(target="/posts?q=" + "a" * 5000), 414)
        # One byte shorter is routed (a 404 in the envelope, kept alive).
        r = self.srv.send("GET", "/" + "a" * 1997, None, {})
        self.assertEqual(r.status, 404, r)

    def test_too_many_header_fields(self):
        fields = [("Host", "x")] + [(f"X-F{i}", "1") for i in range(23)]    # 24 fields
        self.assertRefused(head(fields=fields), 431)
        # 23 are served.
        x = exchange(self.srv.port, head(fields=fields[:22] + [("Connection", "close")]))
        self.assertEqual(x.status, 200, x)

    def test_head_too_large(self):
        # One field past http_header_max (8192), with and without the end of
        # the head in sight: refused as soon as the buffer is full.
        self.assertRefused(head(fields=(("Host", "x"), ("X-Big", "a" * 9000))), 431)
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000, 431)
        self.assertRefused(b"GET /" + b"a" * 9000, 431)

    def test_bare_cr(self):
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400)
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400)
        self.assertRefused(b"GET /\r HTTP/1.1\r\nHost: x\r\n\r\n", 400)

    def test_obs_fold(self):
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400)
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", 400)

    def test_nul(self):
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400)
        self.assertRefused(b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400)

    def test_non_ascii_and_control_bytes(self):
        for raw in (b"X-A: caf\xc3\xa9", b"X-\xc3\xa9: a", b"X-A: a\x7fb", b"X-A: a\x01b",
                    b"X-A: a\x1bb"):
            self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\n" + raw + b"\r\n\r\n", 400, repr(raw))

    def test_missing_or_repeated_host(self):
        self.assertRefused(b"GET / HTTP/1.1\r\nX-A: b\r\n\r\n", 400)
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400)

    # Heads framing.c let through and Kore then refused with its own empty
    # page (no envelope): the rules must refuse (or mend) what Kore would.

    def test_tab_inside_a_value(self):
        # RFC 9110 allows HTAB in a field value; Kore's http_field_content
        # table does not (http.c), so it must be refused with the envelope.
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\tb\r\n\r\n", 400)

    def test_empty_line_before_the_end_kore_uses(self):
        # Kore ends the head at the first CRLFCRLF, else LFLF, and its line
        # splitter skips empty lines: a proxy ending the head at the LFLF
        # sees two requests where Kore sees one.
        self.assertRefused(b"GET / HTTP/1.1\nHost: x\n\nGET /users HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        self.assertRefused(b"GET / HTTP/1.1\r\nHost: x\n\r\nContent-Length: 5\r\n\r\nhello", 400)

    def test_host_too_long(self):
        # Kore refuses a host of KORE_DOMAINNAME_LEN - 1 (254) bytes or more.
        self.assertRefused(head(fields=(("Host", "a" * 300),)), 400)

    def test_trailing_whitespace_after_content_length(self):
        # "2 " is a Content-Length of 2 (OWS is not part of a field value),
        # which Kore's strtonum refuses with its own empty 411: the framing
        # check drops trailing whitespace, so the body reaches validation.
        for ows in (b" ", b"\t", b" \t "):
            x = exchange(self.srv.port, b"POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 2" + ows + b"\r\n\r\n{}")
            doc = self.assertEnvelopeJSON(x.status, x.headers.get("content-type"), x.body, 422,
                                          f"{ows!r}: {x!r}")
            self.assertIn("body → email", [e["field"] for e in doc.get("errors", [])], x)
            self.assertEqual(x.end, "eof", x)

    def test_pipelined_after_a_refusal_is_not_run(self):
        # What follows a refused head is never read as a request.
        x = exchange(self.srv.port, head("POST", "/auth/register", fields=(
            ("Host", "x"), ("Content-Length", "5"), ("Transfer-Encoding", "chunked")))
            + b"0\r\n\r\nGET /users HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(x.status, 400, x)
        self.assertEqual(x.data.count(b"HTTP/1.1 "), 1, x)
        self.assertEqual(x.end, "eof", x)

    def responses(self, data):
        """The responses to data sent at once (pipelined): [(status, headers,
        body)], and how the connection ended, within 3 s."""
        x = exchange(self.srv.port, data, timeout=3)
        out, rest = [], x.data
        while rest.startswith(b"HTTP/1.1 "):
            r = Exchange(rest, x.end, x.elapsed)
            n = int(r.headers.get("content-length", 0))
            out.append((r.status, r.headers, r.body[:n]))
            rest = r.body[n:]
        return out, x

    def test_pipelined_requests_are_answered_or_the_connection_closed(self):
        # RFC 9112 section 9.3.2: pipelined requests are answered in order,
        # or the connection is closed (the client then retries the rest);
        # a connection left open with a request unanswered is neither.
        get = head(fields=(("Host", "x"),))
        last = head(fields=(("Host", "x"), ("Connection", "close")))
        for label, data, first in (
                ("GET, GET", get + last, 200),
                ("POST with its body, GET", head("POST", "/auth/login", fields=(
                    ("Host", "x"), ("Content-Type", "application/json"),
                    ("Content-Length", "2"))) + b"{}" + last, 422)):
            with self.subTest(label):
                out, x = self.responses(data)
                self.assertTrue(out, f"{label}: no answer: {x!r}")
                self.assertEqual(out[0][0], first, f"{label}: {x!r}")
                self.assertEqual(x.end, "eof", f"{label}: the connection must not be left "
                                 f"waiting with a request unanswered: {x!r}")
                if len(out) == 1:
                    self.assertEqual(out[0][1].get("connection"), "close", f"{label}: {x!r}")
                else:
                    self.assertEqual(out[1][0], 200, f"{label}: {x!r}")
        self.assertServes()

    def test_pipelined_ambiguous_request_is_refused(self):
        # The framing rules hold for a request that came in behind another.
        get = head(fields=(("Host", "x"),))
        for label, bad in (
                ("two Content-Lengths", head("POST", "/auth/login", fields=(
                    ("Host", "x"), ("Content-Length", "5"), ("Content-Length", "6"))) + b"hello"),
                ("Content-Length with Transfer-Encoding", head("POST", "/auth/login", fields=(
                    ("Host", "x"), ("Content-Length", "5"), ("Transfer-Encoding", "chunked")))
                    + b"0\r\n\r\n"),
                ("a body on GET", head(fields=(("Host", "x"), ("Content-Length", "5"))) + b"hello")):
            with self.subTest(label):
                out, x = self.responses(get + bad)
                self.assertTrue(out, f"{label}: no answer: {x!r}")
                self.assertEqual(out[0][0], 200, f"{label}: {x!r}")
                self.assertEqual(x.end, "eof", f"{label}: {x!r}")
                if len(out) > 1:
                    self.assertEnvelopeJSON(out[1][0], out[1][1].get("content-type"), out[1][2],
                                            400, f"{label}: {x!r}")
                    self.assertEqual(len(out), 2, f"{label}: {x!r}")
                else:
                    self.assertEqual(out[0][1].get("connection"), "close", f"{label}: {x!r}")
        self.assertServes()

    def test_unknown_method_names_what_is_allowed(self):
        # RFC 9110 section 15.5.6: a 405 carries Allow.
        x = exchange(self.srv.port, head("FOO", "/"))
        self.assertEqual(x.status, 405, x)
        self.assertTrue(x.headers.get("allow"), f"405 without Allow: {x!r}")

    def test_well_formed_requests_keep_the_connection(self):
        # The rules do not refuse what is fine: two requests on one connection.
        c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=WAIT)
        try:
            for _ in range(2):
                c.request("GET", "/", headers={"X-Empty": "", "X-Tab": "\tb", "Content-Length": "0"})
                r = c.getresponse()
                self.assertEqual(r.status, 200)
                r.read()
        finally:
            c.close()


@direct_only("measures how the connection ends under a body still being sent")
class ReadableRefusalTest(HostileCase):
    """A client still sending a body the server refuses reads the answer:
    Python's http.client and curl, streaming multipart uploads."""

    @classmethod
    def prepare(cls):
        cls.token, _ = register_and_login(cls.srv)
        cls.tmp = tempfile.mkdtemp(prefix="hostile-")
        cls.bodies = {}
        for mib in (3, 6, 12):
            body, ctype = multipart_png(mib * MiB)
            path = os.path.join(cls.tmp, f"{mib}.png")
            with open(path, "wb") as f:
                f.write(body[body.index(b"\r\n\r\n") + 4:body.rindex(b"\r\n--")])
            cls.bodies[mib] = (body, ctype, path)
        cls.uploads = cls.srv.env["UPLOAD_DIR"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        super().tearDownClass()

    def cases(self):
        # (label, MiB, token, status): no token on a protected upload
        # route; over the operation's limit (5 MiB a file), refused in
        # server_header_recv; over http_body_max, refused by framing.
        return (("no token", 3, None, 401),
                ("over the operation's limit", 6, self.token, 413),
                ("over http_body_max", 12, self.token, 413))

    def assertNothingStored(self):
        if os.path.isdir(self.uploads):
            self.assertEqual([n for n in os.listdir(self.uploads)], [])

    def test_http_client_streaming(self):
        for label, mib, token, status in self.cases():
            with self.subTest(label):
                body, ctype, _ = self.bodies[mib]
                headers = {"Content-Type": ctype, "Content-Length": str(len(body))}
                if token:
                    headers["Authorization"] = f"Bearer {token}"
                c = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=15)
                try:
                    try:
                        c.request("POST", "/uploads/image", body=chunks(body), headers=headers)
                        r = c.getresponse()
                        data = r.read()
                    except (ConnectionError, OSError) as e:
                        self.fail(f"{label}: the client could not read the refusal: {e!r}")
                    self.assertEnvelopeJSON(r.status, r.headers.get("Content-Type"), data, status, label)
                    if status == 401:
                        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
                    self.assertEqual((r.headers.get("Connection") or "").lower(), "close")
                finally:
                    c.close()
                self.assertNothingStored()
                self.assertServes()

    def test_curl(self):
        if shutil.which("curl") is None:
            self.skipTest("curl is not installed")
        url = f"http://127.0.0.1:{self.srv.port}/uploads/image"
        for label, mib, token, status in self.cases():
            # With "Expect:" curl streams the body at once; with its default
            # Expect: 100-continue it may wait for the answer first.
            for expect in ("Expect:", None):
                with self.subTest(label, expect=expect):
                    _, _, path = self.bodies[mib]
                    out = os.path.join(self.tmp, "out")
                    hdr = os.path.join(self.tmp, "hdr")
                    args = ["curl", "-sS", "-w", "%{http_code}", "-o", out, "-D", hdr,
                            "--max-time", "20", "-F", f"file=@{path};type=image/png"]
                    if expect:
                        args += ["-H", expect]
                    if token:
                        args += ["-H", f"Authorization: Bearer {token}"]
                    p = subprocess.run(args + [url], capture_output=True, text=True, timeout=30)
                    self.assertEqual(p.returncode, 0, f"{label}: curl: {p.stderr.strip()}")
                    self.assertEqual(p.stdout, str(status), label)
                    with open(hdr, "rb") as f:
                        headers = f.read().decode("latin-1").lower()
                    ctype = [l.split(":", 1)[1].strip() for l in headers.split("\r\n")
                             if l.startswith("content-type:")]
                    with open(out, "rb") as f:
                        self.assertEnvelopeJSON(status, ctype[-1] if ctype else None, f.read(),
                                                status, label)
                    self.assertNothingStored()
        self.assertServes()


@direct_only("page numbers past 2**53: JavaScript's numbers (Prism's) round them")
class PaginationTest(HostileCase):
    """A page past the end is an empty page labelled with the page asked,
    however large its number (no 500, no wrap to page 1)."""

    @classmethod
    def prepare(cls):
        cls.token, cls.user_id = register_and_login(cls.srv)
        for i in range(3):
            r = cls.srv.request("POST", "/posts", {"title": f"post {i}", "content": "x"},
                                headers={"Authorization": f"Bearer {cls.token}"})
            assert r.status == 201, r

    def check(self, route, query, page, per_page, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = self.srv.request("GET", f"{route}?{query}", headers=headers)
        self.assertEqual(r.status, 200, f"{route}?{query}: {r!r}")
        doc = r.json()
        self.assertEqual(doc["data"], [], f"{route}?{query}")
        self.assertEqual(doc["page"], page, f"{route}?{query}")
        self.assertEqual(doc["per_page"], per_page, f"{route}?{query}")
        self.assertGreaterEqual(doc["total"], 1, f"{route}?{query}")
        self.assertEqual(doc["total_pages"], -(-doc["total"] // per_page), f"{route}?{query}")
        self.assertIs(doc["has_next"], False, f"{route}?{query}")
        self.assertIs(doc["has_prev"], True, f"{route}?{query}")

    def test_huge_pages_are_empty(self):
        for route, token in (("/posts", None), ("/users", self.token), ("/posts/my", self.token)):
            with self.subTest(route):
                self.check(route, "page=9223372036854775807", 9223372036854775807, 10, token)
                self.check(route, "page=4611686018427387905&per_page=100", 4611686018427387905,
                           100, token)
                self.check(route, "page=1844674407370955162&per_page=10", 1844674407370955162,
                           10, token)
                self.check(route, "page=2&per_page=100", 2, 100, token)

    def test_page_one_still_lists(self):
        r = self.srv.request("GET", "/posts?page=1&per_page=100")
        self.assertEqual(r.status, 200, r)
        self.assertGreaterEqual(len(r.json()["data"]), 3)

    def test_page_past_int64_is_a_validation_error(self):
        r = self.srv.request("GET", "/posts?page=9223372036854775808")
        self.assertEnvelopeJSON(r.status, r.headers.get("Content-Type"), r.body, 422, repr(r))


class NotBeforeTest(HostileCase):
    """A token is valid from its nbf on (RFC 7519 section 4.1.5)."""

    @classmethod
    def prepare(cls):
        _, cls.user_id = register_and_login(cls.srv)

    def me(self, claims):
        base = {"sub": str(self.user_id), "user_id": self.user_id, "exp": int(time.time()) + 600}
        base.update(claims)
        return self.srv.request("GET", "/users/me",
                                headers={"Authorization": "Bearer " + forge(base)})

    def test_nbf_in_the_future_is_refused(self):
        r = self.me({"nbf": int(time.time()) + 300})
        self.assertEnvelopeJSON(r.status, r.headers.get("Content-Type"), r.body, 401, repr(r))
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")

    def test_nbf_not_a_number_is_refused(self):
        r = self.me({"nbf": "now"})
        self.assertEnvelopeJSON(r.status, r.headers.get("Content-Type"), r.body, 401, repr(r))

    def test_nbf_in_the_past_is_accepted(self):
        self.assertEqual(self.me({"nbf": int(time.time()) - 10}).status, 200)
        self.assertEqual(self.me({}).status, 200)


@direct_only("raw sockets trickling a head")
class SlowHeadTest(HostileCase):
    """Slow clients: a head not complete within http_header_timeout is
    closed, however it trickles, while others are served."""
    DEADLINE = 2
    # Later directives override earlier ones (config.c assigns the global
    # on each line), so these replace kore.conf's 10 s and 60 s.
    kore_extra = f"http_header_timeout {DEADLINE}\nhttp_body_timeout {DEADLINE}\n"

    def trickle(self, s, data, interval, result, key):
        """Send data one byte per interval until the server answers or
        closes; result[key] = the Exchange, timed from the first byte."""
        start = time.monotonic()
        try:
            for i in range(len(data)):
                try:
                    s.sendall(data[i:i + 1])
                except OSError:
                    break
                s.settimeout(interval)
                try:
                    s.recv(1, socket.MSG_PEEK)     # an answer, or the end
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    result[key] = Exchange(b"", "reset", time.monotonic() - start)
                    return
                break
            x = read_to_end(s, WAIT)
            x.elapsed = time.monotonic() - start
            result[key] = x
        finally:
            s.close()

    def test_slow_heads_are_closed_by_the_deadline(self):
        port = self.srv.port
        slow = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60 + b"\r\n\r\n"
        result = {}
        threads = []

        def start(key, interval, before=b""):
            s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            if before:
                # A first, complete request on the connection: the deadline
                # holds for the next head too.
                s.sendall(before)
                s.settimeout(WAIT)
                got = b""
                while b'"docs":"/docs"}' not in got:
                    b = s.recv(65536)
                    self.assertTrue(b, "closed after the first request")
                    got += b
            t = threading.Thread(target=self.trickle, args=(s, slow, interval, result, key))
            t.start()
            threads.append(t)

        def silent():
            s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            start_t = time.monotonic()
            x = read_to_end(s, self.DEADLINE + WAIT)
            x.elapsed = time.monotonic() - start_t
            s.close()
            result["silent"] = x

        t = threading.Thread(target=silent)
        t.start()
        threads.append(t)
        start("one byte a second", 1.0)
        start("five bytes a second", 0.2)
        start("second head on a kept-alive connection", 1.0, before=head())
        # Others are served meanwhile.
        time.sleep(0.5)
        for _ in range(3):
            self.assertServes()
        for t in threads:
            t.join(self.DEADLINE + 2 * WAIT)
        for key in ("silent", "one byte a second", "five bytes a second",
                    "second head on a kept-alive connection"):
            x = result.get(key)
            self.assertIsNotNone(x, key)
            self.assertEqual(x.end, "eof", f"{key}: {x!r}")
            # Kore checks its timers every 500 ms.
            self.assertGreaterEqual(x.elapsed, self.DEADLINE - 0.2, f"{key}: {x!r}")
            self.assertLessEqual(x.elapsed, self.DEADLINE + 1.5, f"{key}: {x!r}")
            if x.data:
                self.assertEqual(x.status, 408, f"{key}: {x!r}")
        self.assertServes()

    def test_slow_body_is_closed_by_the_body_deadline(self):
        # http_body_timeout counts from the end of the head, not from the
        # last byte (http_body_recv does not renew it): a trickled body ends.
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=WAIT)
        result = {}
        s.sendall(head("POST", "/auth/login", fields=(
            ("Host", "x"), ("Content-Type", "application/json"), ("Content-Length", "100"))))
        self.trickle(s, b'{"email": "' + b"a" * 200, 0.5, result, "body")
        x = result["body"]
        self.assertEqual(x.end, "eof", x)
        self.assertGreaterEqual(x.elapsed, self.DEADLINE - 0.2, x)
        self.assertLessEqual(x.elapsed, self.DEADLINE + 1.5, x)
        if x.data:
            self.assertEqual(x.status, 408, x)
        self.assertServes()

    def test_header_timeout_is_answered_with_the_envelope(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=WAIT)
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            x = read_to_end(s, self.DEADLINE + WAIT)
        finally:
            s.close()
        self.assertEqual(x.end, "eof", x)
        self.assertEnvelopeJSON(x.status, x.headers.get("content-type"), x.body, 408, repr(x))
        self.assertServes()



@direct_only("holds the server's connections itself")
class FloodTest(unittest.TestCase):
    """A flood of idle connections fills CONNECTION_LIMIT: ordinary clients
    are refused at once with a 503 they can read, never left waiting;
    the idle ones are closed by the head deadline, and service is back
    within it of the flood stopping."""
    DEADLINE = 2
    LIMIT = 40

    def test_flood_refused_at_once_and_service_resumes(self):
        srv = Server(env={"CONNECTION_LIMIT": str(self.LIMIT), "PER_IP_CONNECTION_LIMIT": "0"},
                     kore_extra=f"http_header_timeout {self.DEADLINE}\n").wait_ready()
        flood = []
        try:
            for _ in range(self.LIMIT):
                flood.append(socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT))
            time.sleep(0.3)         # every one accepted and counted
            for _ in range(5):
                t0 = time.monotonic()
                with socket.create_connection(("127.0.0.1", srv.port), timeout=WAIT) as s:
                    x = read_to_end(s, WAIT)
                self.assertLess(time.monotonic() - t0, 1.0, x)
                self.assertEqual(x.status, 503, x)
                self.assertIn(b"Too many connections", x.body)
            # The flood stops sending (it never sent): the deadline frees
            # the slots, and an ordinary request is served again.
            deadline = time.monotonic() + self.DEADLINE + 2
            served = False
            while time.monotonic() < deadline and not served:
                try:
                    served = srv.request("GET", "/").status == 200
                except OSError:
                    pass
                if not served:
                    time.sleep(0.1)
            self.assertTrue(served, "not served again within the head deadline")
        finally:
            for s in flood:
                s.close()
            rc = srv.stop()
        self.assertEqual(rc, 0, "\n".join(srv.lines[-20:]))


if __name__ == "__main__":
    unittest.main()
