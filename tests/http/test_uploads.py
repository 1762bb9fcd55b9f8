"""Uploads, against the real server: POST /uploads/image, /uploads/multiple,
/users/me/avatar and PATCH /posts/{id}/cover - the contract's rows and its
"easy to get wrong" details: 201/200 bodies, the 5 MiB limit (exactly at it
accepted, one byte over 413 and nothing left on disk), 415 for a type that
is not accepted or lies, 422 on body → files, aborted uploads, and no stray
file in UPLOAD_DIR after any test.

The routes are protected: the suite registers and logs in first, and is
skipped (with the reason printed) while /auth/register or /auth/login do
not work yet, so it runs by itself once they do."""
import os
import socket
import sys
import time
import unittest
import uuid

from harness import Server

LIMIT = 5 * 1024 * 1024
STORED = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.(jpg|png|webp|pdf)$"
SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff\xe0",
              "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ", "pdf": b"%PDF-1.7\n"}
MIME = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "pdf": "application/pdf"}


def content(kind, size):
    """size bytes that start with kind's signature."""
    head = SIGNATURES[kind]
    pattern = bytes(range(256))
    body = (pattern * (size // 256 + 1))[:max(size - len(head), 0)]
    return (head + body)[:size]


def multipart(parts, boundary="----test-boundary-7MA4YWxkTrZu0gW"):
    """parts: (name, filename or None, content type or None, bytes)."""
    out = []
    for name, filename, ctype, data in parts:
        disp = f'form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        head = f"--{boundary}\r\nContent-Disposition: {disp}\r\n"
        if ctype is not None:
            head += f"Content-Type: {ctype}\r\n"
        out.append(head.encode() + b"\r\n" + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def login(srv):
    """(token, user id), or (None, why not)."""
    email = f"up-{uuid.uuid4().hex[:12]}@example.com"
    password = "correct horse battery"
    r = srv.request("POST", "/auth/register", {"name": "Uploader", "email": email, "password": password})
    if r.status != 201:
        return None, f"POST /auth/register answers {r.status}, not 201"
    r = srv.request("POST", "/auth/login", {"email": email, "password": password})
    if r.status != 200 or "access_token" not in r.body.decode(errors="replace"):
        return None, f"POST /auth/login answers {r.status}, not 200 with a token"
    body = r.json()
    return body["access_token"], body["user"]["id"]


class UploadsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A short CONNECTION_TIMEOUT: see test_aborted_upload_leaves_nothing.
        cls.srv = Server(env={"CONNECTION_TIMEOUT": "4"}).wait_ready()
        cls.dir = cls.srv.env["UPLOAD_DIR"]
        cls.token, cls.user_id = login(cls.srv)
        if cls.token is None:
            why = cls.user_id
            cls.tearDownClass()
            print(f"\ntest_uploads: skipped: {why}; the upload routes need a bearer token",
                  file=sys.stderr)
            raise unittest.SkipTest(f"{why} (upload routes need a bearer token)")
        cls.kept = set()        # stored names that must be on disk

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        reports = cls.srv.sanitizer_reports()
        if reports or rc != 0:
            raise AssertionError("server exit %d, sanitizer: %s" % (rc, "\n".join(reports)))

    def tearDown(self):
        # No temporary and no file nobody kept, after every test.
        self.assertDirSettles(self.kept)

    # -- helpers ------------------------------------------------------
    def on_disk(self):
        return {n for n in os.listdir(self.dir) if os.path.isfile(os.path.join(self.dir, n))}

    def assertDirSettles(self, expected, timeout=5.0):
        # Temporaries go when the request completes, which may be just
        # after the client has read the answer.
        deadline = time.time() + timeout
        while self.on_disk() != set(expected) and time.time() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.on_disk(), set(expected))

    def send(self, path, parts, method="POST", token=True):
        body, ctype = multipart(parts)
        headers = {"Content-Type": ctype}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.srv.request(method, path, body=body, headers=headers)

    def assertEnvelope(self, r, status, message=None, field=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertIs(body["success"], False)
        if message is not None:
            self.assertIn(message, body["message"])
        if field is not None:
            self.assertIn(field, [e["field"] for e in body["errors"]], body)

    def keep(self, name):
        self.assertRegex(name, STORED)
        self.kept.add(name)
        return name

    # -- /uploads/image -------------------------------------------------
    def test_image_stored_and_served(self):
        data = content("png", 48213)
        r = self.send("/uploads/image", [("file", "cat.png", "image/png", data),
                                         ("description", None, None, "a cat, é".encode())])
        self.assertEqual(r.status, 201, r)
        body = r.json()
        name = self.keep(body["filename"])
        self.assertTrue(name.endswith(".png"))
        self.assertEqual(body["original_name"], "cat.png")
        self.assertEqual(body["content_type"], "image/png")
        self.assertEqual(body["size"], len(data))
        self.assertEqual(body["url"], f"/files/{name}")
        self.assertEqual(body["uploaded_by"], self.user_id)
        self.assertIsInstance(body["message"], str)
        with open(os.path.join(self.dir, name), "rb") as f:
            self.assertEqual(f.read(), data)
        got = self.srv.request("GET", body["url"])
        self.assertEqual(got.status, 200)
        self.assertEqual(got.body, data)
        self.assertEqual(got.headers["Content-Type"], "image/png")

    def test_every_type_named_by_its_real_type(self):
        for kind in ("jpg", "png", "webp", "pdf"):
            r = self.send("/uploads/image", [("file", f"x.{kind}", MIME[kind], content(kind, 1000))])
            self.assertEqual(r.status, 201, (kind, r))
            self.assertTrue(self.keep(r.json()["filename"]).endswith("." + kind))
            self.assertEqual(r.json()["content_type"], MIME[kind])

    def test_exactly_at_the_limit_is_accepted(self):
        r = self.send("/uploads/image", [("file", "big.jpg", "image/jpeg", content("jpg", LIMIT))])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["size"], LIMIT)
        self.assertEqual(os.path.getsize(os.path.join(self.dir, self.keep(r.json()["filename"]))), LIMIT)

    def test_one_byte_over_the_limit_is_413_and_leaves_nothing(self):
        for path in ("/uploads/image", "/uploads/multiple", "/users/me/avatar"):
            field = "files" if path.endswith("multiple") else "file"
            r = self.send(path, [(field, "big.png", "image/png", content("png", LIMIT + 1))])
            self.assertEnvelope(r, 413)
            self.assertDirSettles(self.kept)

    def test_declared_length_over_the_limit_is_refused_before_reading(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(("POST /uploads/image HTTP/1.1\r\nHost: x\r\n"
                   f"Authorization: Bearer {self.token}\r\n"
                   "Content-Type: multipart/form-data; boundary=b\r\n"
                   f"Content-Length: {50 * LIMIT}\r\n\r\n").encode())
        data = s.recv(65536)            # answered without a byte of body
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 413"), data[:100])

    def test_a_lying_content_type_is_415(self):
        for ctype, data in (("image/jpeg", content("png", 500)),     # PNG said to be JPEG
                            ("image/png", b"GIF89a" + b"\0" * 500),  # not a type we take
                            ("image/png", b"hello, world\n" * 10),
                            ("application/octet-stream", content("png", 500)),
                            ("image/png", b"")):
            r = self.send("/uploads/image", [("file", "x.png", ctype, data)])
            self.assertEnvelope(r, 415)
            self.assertDirSettles(self.kept)

    def test_pdf_is_for_uploads_not_avatars(self):
        pdf = content("pdf", 2000)
        r = self.send("/uploads/image", [("file", "doc.pdf", "application/pdf", pdf)])
        self.assertEqual(r.status, 201, r)
        self.assertTrue(self.keep(r.json()["filename"]).endswith(".pdf"))
        r = self.send("/users/me/avatar", [("file", "doc.pdf", "application/pdf", pdf)])
        self.assertEnvelope(r, 415)

    def test_no_file_part_is_422(self):
        r = self.send("/uploads/image", [("description", None, None, b"no file")])
        self.assertEnvelope(r, 422, field="body → file")
        r = self.send("/uploads/image", [])
        self.assertEnvelope(r, 422, field="body → file")

    def test_not_multipart_is_415(self):
        r = self.srv.request("POST", "/uploads/image", {"file": "x"},
                             headers={"Authorization": f"Bearer {self.token}"})
        self.assertEnvelope(r, 415)

    def test_broken_multipart_is_400(self):
        body, ctype = multipart([("file", "a.png", "image/png", content("png", 100))])
        r = self.srv.request("POST", "/uploads/image", body=body[:-30],
                             headers={"Content-Type": ctype, "Authorization": f"Bearer {self.token}"})
        self.assertEnvelope(r, 400)

    def test_the_client_filename_never_becomes_a_path(self):
        for evil in ("../../escape.png", "/etc/escape.png", "..\\..\\escape.png", "a\u00e9\u4e2d.png"):
            r = self.send("/uploads/image", [("file", evil, "image/png", content("png", 100))])
            self.assertEqual(r.status, 201, r)
            self.keep(r.json()["filename"])
            self.assertEqual(r.json()["original_name"], evil)
        for root, _, files in os.walk(self.srv.state):
            self.assertNotIn("escape.png", files)

    def test_unauthenticated_is_401(self):
        r = self.send("/uploads/image", [("file", "a.png", "image/png", content("png", 100))], token=False)
        self.assertEnvelope(r, 401)
        self.assertEqual(r.headers["WWW-Authenticate"], "Bearer")

    # -- /uploads/multiple ----------------------------------------------
    def test_ten_files_at_once(self):
        kinds = ["png", "jpg", "webp", "pdf", "png", "jpg", "webp", "pdf", "png", "jpg"]
        parts = [("files", f"f{i}.{k}", MIME[k], content(k, 1000 + i)) for i, k in enumerate(kinds)]
        r = self.send("/uploads/multiple", parts)
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual(body["uploaded"], 10)
        self.assertEqual(len(body["files"]), 10)
        for i, (f, k) in enumerate(zip(body["files"], kinds)):
            self.assertEqual(f["original"], f"f{i}.{k}")
            self.assertEqual(f["size"], 1000 + i)
            self.assertTrue(self.keep(f["saved_as"]).endswith("." + k))
            self.assertEqual(f["url"], f"/files/{f['saved_as']}")
        self.assertEqual(len(set(f["saved_as"] for f in body["files"])), 10)

    def test_eleven_files_is_422(self):
        parts = [("files", f"f{i}.png", "image/png", content("png", 500)) for i in range(11)]
        r = self.send("/uploads/multiple", parts)
        self.assertEnvelope(r, 422, field="body → files")

    def test_no_files_part_is_422(self):
        r = self.send("/uploads/multiple", [("other", None, None, b"x")])
        self.assertEnvelope(r, 422, field="body → files")

    def test_multiple_is_all_or_nothing(self):
        parts = [("files", "a.png", "image/png", content("png", 500)),
                 ("files", "b.png", "image/png", content("png", 500)),
                 ("files", "c.png", "image/jpeg", content("png", 500))]      # lies
        self.assertEnvelope(self.send("/uploads/multiple", parts), 415)
        parts[2] = ("files", "c.png", "image/png", content("png", LIMIT + 1))
        self.assertEnvelope(self.send("/uploads/multiple", parts), 413)

    # -- avatar and cover -----------------------------------------------
    def test_avatar_replaces_the_previous_file(self):
        r = self.send("/users/me/avatar", [("file", "me.png", "image/png", content("png", 3000))])
        self.assertEqual(r.status, 200, r)
        first = r.json()["avatar_url"]
        self.assertTrue(first.startswith("/files/"))
        self.keep(first[len("/files/"):])
        r = self.send("/users/me/avatar", [("file", "me.webp", "image/webp", content("webp", 3000))])
        self.assertEqual(r.status, 200, r)
        second = r.json()["avatar_url"]
        self.assertNotEqual(first, second)
        self.kept.discard(first[len("/files/"):])
        self.keep(second[len("/files/"):])
        self.assertEqual(self.srv.request("GET", first).status, 404)
        self.assertEqual(self.srv.request("GET", second).status, 200)

    def test_cover(self):
        auth = {"Authorization": f"Bearer {self.token}"}
        r = self.srv.request("POST", "/posts", {"title": "t", "content": "c"}, headers=auth)
        self.assertEqual(r.status, 201, r)
        pid = r.json()["id"]
        r = self.send(f"/posts/{pid}/cover", [("file", "c.jpg", "image/jpeg", content("jpg", 4000))],
                      method="PATCH")
        self.assertEqual(r.status, 200, r)
        cover = r.json()["cover_image"]
        self.keep(cover[len("/files/"):])
        self.assertEqual(self.srv.request("GET", cover).status, 200)
        r = self.send(f"/posts/{pid}/cover", [("file", "c.pdf", "application/pdf", content("pdf", 400))],
                      method="PATCH")
        self.assertEnvelope(r, 415)

    # -- the connection goes away ----------------------------------------
    def test_aborted_upload_leaves_nothing(self):
        body, ctype = multipart([("file", "big.png", "image/png", content("png", 4 * 1024 * 1024))])
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
        s.sendall(("POST /uploads/image HTTP/1.1\r\nHost: x\r\n"
                   f"Authorization: Bearer {self.token}\r\n"
                   f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        bodies = os.path.join(self.srv.state, ".kore-bodies")
        try:
            s.sendall(body[:len(body) // 2])
            # Kore takes the body before the handler runs: past
            # http_body_disk_offload it goes to a temporary file of Kore's
            # as it arrives, never into memory...
            deadline = time.time() + 10
            while time.time() < deadline:
                temps = [n for n in os.listdir(bodies) if n.startswith("http_body.")]
                if temps and os.path.getsize(os.path.join(bodies, temps[0])) > 1024 * 1024:
                    break
                time.sleep(0.02)
            self.assertEqual(len(temps), 1)
            self.assertGreater(os.path.getsize(os.path.join(bodies, temps[0])), 1024 * 1024)
            # ...and nothing of ours is written before it is complete.
            self.assertEqual(self.on_disk(), self.kept)
        finally:
            # ...and gone when the client is.
            s.close()
        deadline = time.time() + 5
        while time.time() < deadline and os.listdir(bodies):
            time.sleep(0.02)
        self.assertEqual(os.listdir(bodies), [])
        self.assertDirSettles(self.kept, timeout=4)


if __name__ == "__main__":
    unittest.main()
