"""GET /files/{name}: every files row of the contract, against the real
server.  Files are placed in the test server's UPLOAD_DIR directly (no
upload, no auth needed): headers, conditional requests, ranges, HEAD, and
names that must never reach outside the directory."""
import email.utils
import os
import time
import unittest
import uuid

from harness import Server
from test_foundation import parse_raw, raw_exchange

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8          # 2056 bytes
TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "pdf": "application/pdf"}


def raw_get(port, target):
    """A request line sent as is (http.client refuses some of these)."""
    resp = raw_exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, _, body = parse_raw(resp)
    return status, body


class FilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(use_db=True).wait_ready()
        cls.dir = cls.srv.env["UPLOAD_DIR"]
        cls.name = cls.put(PNG, "png")
        # A secret beside the upload directory, to try to reach.
        cls.secret = os.path.join(cls.srv.state, "secret.txt")
        with open(cls.secret, "wb") as f:
            f.write(b"SECRET-CONTENT")

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        reports = cls.srv.sanitizer_reports()
        if reports or rc != 0:
            raise AssertionError("server exit %d, sanitizer: %s" % (rc, "\n".join(reports)))

    @classmethod
    def put(cls, data, ext):
        name = f"{uuid.uuid4()}.{ext}"
        with open(os.path.join(cls.dir, name), "wb") as f:
            f.write(data)
        return name

    def get(self, name, headers=None, method="GET"):
        return self.srv.request(method, "/files/" + name, headers=headers)

    def assertEnvelope(self, r, status, message=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertIs(body["success"], False)
        if message is not None:
            self.assertEqual(body["message"], message)

    def test_whole_file_and_headers(self):
        r = self.get(self.name)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, PNG)
        self.assertEqual(r.headers["Content-Type"], "image/png")
        self.assertEqual(r.headers["Content-Length"], str(len(PNG)))
        self.assertEqual(r.headers["Accept-Ranges"], "bytes")
        # nosniff comes from the middleware that sets it on every response
        # (runtime/headers.c): here exactly once, when that is in place.
        if "X-Content-Type-Options" in self.srv.request("GET", "/").headers:
            self.assertEqual(r.headers.get_all("X-Content-Type-Options"), ["nosniff"])
        etag = r.headers["ETag"]
        self.assertRegex(etag, r'^"[^"]+"$')
        mtime = os.stat(os.path.join(self.dir, self.name)).st_mtime
        self.assertEqual(r.headers["Last-Modified"], email.utils.formatdate(int(mtime), usegmt=True))
        # Stable for the same file, different for another.
        self.assertEqual(self.get(self.name).headers["ETag"], etag)
        other = self.put(PNG, "png")
        self.assertNotEqual(self.get(other).headers["ETag"], etag)

    def test_types_by_extension(self):
        for ext, ctype in TYPES.items():
            name = self.put(b"%PDF-1.4 whatever", ext)
            r = self.get(name)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["Content-Type"], ctype, ext)

    def test_etag_changes_with_content(self):
        name = self.put(b"\xff\xd8\xff one", "jpg")
        before = self.get(name).headers["ETag"]
        time.sleep(0.01)
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(b"\xff\xd8\xff two, longer")
        after = self.get(name)
        self.assertNotEqual(after.headers["ETag"], before)
        self.assertEqual(self.get(name, {"If-None-Match": before}).status, 200)

    def test_head(self):
        r = self.get(self.name, method="HEAD")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(r.headers["Content-Length"], str(len(PNG)))
        self.assertEqual(r.headers["Content-Type"], "image/png")
        self.assertIn("ETag", r.headers)
        self.assertEqual(self.srv.request("HEAD", "/files/nope.png").status, 404)

    def test_if_none_match(self):
        etag = self.get(self.name).headers["ETag"]
        for value in (etag, "W/" + etag, "*", '"other", ' + etag, '"a",' + etag + ',"b"'):
            r = self.get(self.name, {"If-None-Match": value})
            self.assertEqual(r.status, 304, value)
            self.assertEqual(r.body, b"")
            self.assertEqual(r.headers["ETag"], etag)
            self.assertIn("Last-Modified", r.headers)
        for value in ('"other"', etag[:-2] + '"', ""):
            self.assertEqual(self.get(self.name, {"If-None-Match": value}).status, 200, value)
        r = self.get(self.name, {"If-None-Match": etag}, method="HEAD")
        self.assertEqual(r.status, 304)

    def test_if_modified_since(self):
        r = self.get(self.name)
        lastmod = r.headers["Last-Modified"]
        self.assertEqual(self.get(self.name, {"If-Modified-Since": lastmod}).status, 304)
        later = email.utils.formatdate(time.time() + 3600, usegmt=True)
        self.assertEqual(self.get(self.name, {"If-Modified-Since": later}).status, 304)
        earlier = email.utils.formatdate(time.time() - 86400 * 365, usegmt=True)
        self.assertEqual(self.get(self.name, {"If-Modified-Since": earlier}).status, 200)
        self.assertEqual(self.get(self.name, {"If-Modified-Since": "yesterday"}).status, 200)
        # If-None-Match wins when both are sent.
        r = self.get(self.name, {"If-None-Match": '"other"', "If-Modified-Since": lastmod})
        self.assertEqual(r.status, 200)

    def test_single_ranges(self):
        size = len(PNG)
        for value, start, end in (("bytes=0-9", 0, 9),
                                  ("bytes=10-", 10, size - 1),
                                  ("bytes=-5", size - 5, size - 1),
                                  ("bytes=-100000", 0, size - 1),
                                  ("bytes=5-100000", 5, size - 1),
                                  (" bytes=3-3 ", 3, 3),
                                  (f"bytes={size - 1}-", size - 1, size - 1),
                                  ("bytes=0-99999999999999999999999", 0, size - 1)):
            r = self.get(self.name, {"Range": value})
            self.assertEqual(r.status, 206, value)
            self.assertEqual(r.body, PNG[start:end + 1], value)
            self.assertEqual(r.headers["Content-Range"], f"bytes {start}-{end}/{size}", value)
            self.assertEqual(r.headers["Content-Length"], str(end - start + 1), value)
            self.assertEqual(r.headers["Content-Type"], "image/png")
            self.assertIn("ETag", r.headers)

    def test_unsatisfiable_range(self):
        size = len(PNG)
        for value in (f"bytes={size}-", f"bytes={size}-{size + 10}", "bytes=-0",
                      "bytes=99999999999999999999999-"):
            r = self.get(self.name, {"Range": value})
            self.assertEnvelope(r, 416, "Range not satisfiable")
            self.assertEqual(r.headers["Content-Range"], f"bytes */{size}", value)

    def test_other_ranges_send_everything(self):
        for value in ("bytes=0-1,3-4", "bytes=5-1", "bytes=abc", "bytes=-", "items=0-1",
                      "bytes 0-1", "bytes=0-1 x", "=0-1", ""):
            r = self.get(self.name, {"Range": value})
            self.assertEqual(r.status, 200, value)
            self.assertEqual(r.body, PNG, value)

    def test_if_range(self):
        r = self.get(self.name)
        etag, lastmod = r.headers["ETag"], r.headers["Last-Modified"]
        self.assertEqual(self.get(self.name, {"Range": "bytes=0-1", "If-Range": etag}).status, 206)
        self.assertEqual(self.get(self.name, {"Range": "bytes=0-1", "If-Range": lastmod}).status, 206)
        r = self.get(self.name, {"Range": "bytes=0-1", "If-Range": '"old"'})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, PNG)

    def test_not_found(self):
        for name in (f"{uuid.uuid4()}.png",                  # well formed, absent
                     "a.png", "cat.png", "README",
                     self.name.upper(),                       # not the stored form
                     self.name[:-4] + ".gif",
                     self.name + ".png",
                     self.name[:-4],
                     ".tmp-" + "0" * 32):
            self.assertEnvelope(self.get(name), 404, "File not found")

    def test_not_a_regular_file(self):
        name = f"{uuid.uuid4()}.png"
        os.mkdir(os.path.join(self.dir, name))
        self.assertEnvelope(self.get(name), 404, "File not found")
        os.rmdir(os.path.join(self.dir, name))

    def test_symlink_not_followed(self):
        name = f"{uuid.uuid4()}.png"
        os.symlink(self.secret, os.path.join(self.dir, name))
        try:
            r = self.get(name)
            self.assertEnvelope(r, 404, "File not found")
            self.assertNotIn(b"SECRET", r.body)
        finally:
            os.unlink(os.path.join(self.dir, name))

    def test_traversal_never_escapes(self):
        # Relative, encoded, double-encoded, absolute, NUL, backslash,
        # overlong: whatever layer refuses it, the answer is a 404
        # envelope and never the secret.
        targets = [b"/files/../secret.txt", b"/files/..%2fsecret.txt", b"/files/%2e%2e%2fsecret.txt",
                   b"/files/%2e%2e/secret.txt", b"/files/%252e%252e%252fsecret.txt",
                   b"/files/..%5csecret.txt", b"/files/....//secret.txt",
                   b"/files/%2fetc%2fpasswd", b"/files//etc/passwd", b"/files/%2Fetc%2Fpasswd",
                   b"/files/" + self.name.encode() + b"%00", b"/files/%00" + self.name.encode(),
                   b"/files/" + self.name.encode() + b"%00.png",
                   b"/files/" + self.name.encode() + b"/..",
                   b"/files/./" + self.name.encode()[:-4] + b"%2e%2e",
                   b"/files/" + b"a" * 5000 + b".png",
                   b"/files/" + b"%2e%2e%2f" * 300 + b"etc%2fpasswd"]
        for t in targets:
            status, body = raw_get(self.srv.port, t)
            # A %00 is never decoded (it would cut the name short in C).
            self.assertIn(status, (400, 404, 414), t)
            self.assertNotIn(b"SECRET", body, t)
            self.assertNotIn(b"root:", body, t)
            if status == 404:
                self.assertIn(b'"success":false', body, t)

    def test_never_sends_outside_files(self):
        # The secret is reachable by no name at all.
        for name in ("secret.txt", "..", "."):
            r = self.get(name)
            self.assertEqual(r.status, 404)
            self.assertNotIn(b"SECRET", r.body)


if __name__ == "__main__":
    unittest.main()
