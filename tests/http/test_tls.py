"""test_tls.py - the server with Kore's TLS on, as kore.prod.conf runs it:
a throw-away self-signed certificate made with openssl here, HTTPS spoken
by Python's ssl and by curl, the same API and envelopes, and a refusal
before the body still readable by the client."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

from harness import Server, direct_only


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (and localhost), valid a
    day, and the DH parameters Kore insists on (RFC 7919's ffdhe2048:
    named, so nothing is generated)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    dh = os.path.join(directory, "dh.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH",
                    "-pkeyopt", "dh_param:ffdhe2048", "-out", dh],
                   check=True, capture_output=True)
    return cert, key, dh


@direct_only("speaks TLS to the server itself")
class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="apitls-")
        cls.cert, cls.key, dh = make_certificate(cls.dir)
        cls.srv = Server(tls=(cls.cert, cls.key, dh))
        try:
            cls.srv.wait_ready()
        except Exception:
            cls.srv.stop()
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise
        cls.ctx = ssl.create_default_context(cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)
        assert rc == 0, "\n".join(cls.srv.lines[-20:])
        assert not cls.srv.sanitizer_reports(), "\n".join(cls.srv.lines)

    def https(self, method, path, body=None, headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.srv.port, context=self.ctx, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.headers, r.read()
        finally:
            c.close()

    def test_listening_says_https(self):
        self.assertTrue(any(f"listening on https://127.0.0.1:{self.srv.port}" in l
                            for l in self.srv.lines), self.srv.lines)

    def test_api_over_https(self):
        status, headers, body = self.https("GET", "/")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["message"], "API is running")
        self.assertTrue(headers["X-Request-Id"])
        # With TLS on, HSTS is Kore's to send (kore.conf: http_hsts_enable).
        body = json.dumps({"name": "Tls", "email": "tls@example.com",
                           "password": "correct-horse-42"}).encode()
        status, _, data = self.https("POST", "/auth/register", body,
                                     {"Content-Type": "application/json"})
        self.assertEqual(status, 201, data)
        status, headers, data = self.https("GET", "/nope")
        self.assertEqual(status, 404)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(json.loads(data), {"success": False, "message": "Route /nope not found"})

    def test_curl_over_https(self):
        out = subprocess.run(["curl", "-sS", "--cacert", self.cert, "-w", "\n%{http_code}",
                              f"https://127.0.0.1:{self.srv.port}/posts?page=1&per_page=5"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        body, code = out.stdout.rsplit("\n", 1)
        self.assertEqual(code, "200")
        self.assertEqual(json.loads(body)["page"], 1)

    def test_certificate_is_checked_by_clients(self):
        # The default trust store does not know the throw-away certificate:
        # the client refuses the handshake (TLS is real, not a stub).
        c = http.client.HTTPSConnection("127.0.0.1", self.srv.port,
                                        context=ssl.create_default_context(), timeout=10)
        with self.assertRaises(ssl.SSLCertVerificationError):
            c.request("GET", "/")
        c.close()

    def test_plain_http_to_the_tls_port_gets_no_answer(self):
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            data = b""
            try:
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    data += b
            except ConnectionResetError:
                pass
        self.assertNotIn(b"API is running", data)

    def test_refusal_before_the_body_is_readable_over_tls(self):
        # Over its limit by Content-Length: 413 from the head, while the
        # client is still sending the body; it reads the envelope.
        c = http.client.HTTPSConnection("127.0.0.1", self.srv.port, context=self.ctx, timeout=10)
        try:
            c.putrequest("POST", "/auth/register")
            c.putheader("Content-Type", "application/json")
            c.putheader("Content-Length", str(8 * 1024 * 1024))
            c.endheaders()
            try:
                for _ in range(16):
                    c.send(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass
            r = c.getresponse()
            self.assertEqual(r.status, 413)
            self.assertIn("too large", json.loads(r.read())["message"])
        finally:
            c.close()


if __name__ == "__main__":
    unittest.main()
