"""The Prism check bites: a stand-in server that gives off-spec answers,
behind the same Prism wrapper the HTTP tests use, must have each of them
reported as a violation, and a conforming answer passed.  Run by
scripts/prism-test.sh before the proxied pass."""
import http.client
import http.server
import json
import os
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prism import Prism, PrismViolation  # noqa: E402

USER = {"id": 1, "name": "Alice", "email": "alice@example.com", "avatar_url": None,
        "created_at": "2025-03-03T10:30:01Z"}

# path -> (status, content type, body): what the stand-in answers.
ANSWERS = {
    "/": (200, "application/json", {"message": "API is running", "docs": "/docs"}),
    "/users/me": (200, "application/json", dict(USER, id="1")),
    "/users/1": (418, "application/json", {"success": False, "message": "teapot"}),
    "/posts/1": (200, "application/xml", "<post/>"),
    "/posts/2": (404, "application/json", {"detail": "Not Found"}),
    # Binary uploads go to the server directly and are checked by replay.
    "/uploads/image": (201, "application/json", {"message": "Uploaded", "filename": "a.png"}),
    "/users/me/avatar": (200, "application/json", USER),
}


class StandIn(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self):
        status, ctype, body = ANSWERS[self.path]
        data = (json.dumps(body) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Request-Id", "0" * 32)
        self.send_header("WWW-Authenticate", "Bearer")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class FakeServer:
    """What Prism.request() needs of harness.Server."""

    def __init__(self, port):
        self.port = port

    def send(self, method, path, body, hdrs, conn=None, port=None):
        c = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        c.close()
        return type("Response", (), {"status": r.status, "headers": r.headers, "body": data})()


class PrismBitesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.environ.pop("PRISM_REPORT", None)
        cls.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()
        cls.tmp = tempfile.mkdtemp(prefix="prism-bites-")
        cls.prism = Prism(os.path.join(cls.tmp, "prism.log"))
        cls.srv = FakeServer(cls.httpd.server_address[1])

    @classmethod
    def tearDownClass(cls):
        cls.prism.stop()
        cls.httpd.shutdown()

    def get(self, path):
        return self.prism.request(self.srv, "GET", path, None, {"Authorization": "Bearer x"})

    def test_conforming_answer_passes(self):
        self.assertEqual(self.get("/").status, 200)

    def assertViolation(self, path, words):
        with self.assertRaises(PrismViolation) as cm:
            self.get(path)
        self.assertIn(words, str(cm.exception))

    def test_wrong_field_type(self):
        self.assertViolation("/users/me", "property id must be integer")

    def test_undeclared_status(self):
        self.assertViolation("/users/1", "Unable to match the returned status code")

    def test_wrong_media_type(self):
        self.assertViolation("/posts/1", "media type")

    def post_png(self, path):
        body = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n" \
               b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\xff\xfe\r\n--b--\r\n"
        return self.prism.request(self.srv, "POST", path, body,
                                  {"Content-Type": "multipart/form-data; boundary=b", "Authorization": "Bearer x"})

    def test_binary_upload_checked_by_replay(self):
        self.assertEqual(self.post_png("/users/me/avatar").status, 200)
        with self.assertRaises(PrismViolation) as cm:
            self.post_png("/uploads/image")
        self.assertIn("must have required property", str(cm.exception))

    def test_error_body_not_the_envelope(self):
        self.assertViolation("/posts/2", "must have required property 'success'")


if __name__ == "__main__":
    unittest.main()
