"""harness.py - start the real server for an HTTP test, talk to it, stop it.

Each Server gets a database of its own (created from DATABASE_URL, dropped
afterwards) and a state directory of its own (uploads, logs), and listens
on a free loopback port (PORT=0; the port is read from the server's
"listening on" line).  Only the standard library is used.

TEST_PROXY=prism (scripts/prism-test.sh) sends request() through Stoplight
Prism, which checks every response against openapi.yaml; see
tests/conformance/prism.py.  conn() and the port stay the server's own, so
tests that manage connections or sockets themselves talk to it directly;
mark such tests @direct_only(reason) to leave them out of that pass.
"""
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The application module under test; Kore (Debian's kore) runs it.
SERVER_BIN = os.path.abspath(os.environ.get("TEST_SERVER", os.path.join(REPO, "build/debug/app.so")))
KORE = os.environ.get("KORE", "/usr/bin/kore")


def asan_runtime(module=None):
    """An ASan build of a module needs the ASan runtime loaded first, in
    Kore's processes (kore itself is not instrumented): its path, or None
    for a module built without it.  Asked of the module actually loaded,
    when it is started (it may not exist when this file is imported)."""
    try:
        out = subprocess.run(["readelf", "-d", module or SERVER_BIN], capture_output=True,
                             text=True).stdout
    except OSError:
        return None
    if "libasan" not in out:
        return None
    return subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                          text=True).stdout.strip()


def kore_conf(state, extra="", tls=None, module=None):
    """The repository's kore.conf, loading the module under test, written
    into state/ (Kore's pid file and body temporaries go there too).
    tls=(certfile, keyfile, dhparam) turns TLS on, as kore.prod.conf
    does."""
    with open(os.path.join(REPO, "kore.conf")) as f:
        text = f.read()
    if tls:
        text, n = re.subn(r"(?m)^(\s*tls\s+)no\s*$", r"\1yes", text)
        assert n == 1, "kore.conf: no 'tls no' line in the server block"
        text, n = re.subn(r"(?m)^(\s*attach\s+app\s*)$",
                          f"\\1\n\tcertfile\t{tls[0]}\n\tcertkey\t\t{tls[1]}", text)
        assert n == 1, "kore.conf: no 'attach app' line in the domain"
        text += f"\ntls_dhparam {tls[2]}\n"
    text = re.sub(r"(?m)^load\s.*$", f"load {module or SERVER_BIN}", text)
    # Kore binds while it reads the file, before HOST/PORT replace it:
    # a port of its own, so a server already on 8000 stops nothing.
    text, n = re.subn(r"(?m)^(\s*bind\s+\S+\s+)\d+(\s+server_connect\s*)$", r"\g<1>0\2", text)
    assert n == 1, "kore.conf: no 'bind HOST PORT server_connect' line"
    text = re.sub(r"(?m)^http_body_disk_path\s.*$",
                  f"http_body_disk_path {os.path.join(state, '.kore-bodies')}", text)
    text += f"\npidfile {os.path.join(state, 'kore.pid')}\n" + extra
    path = os.path.join(state, "kore.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def kore_command(conf, privsep=False):
    """Foreground; no chroot and no privilege drop (the tests run as
    root) unless privsep, where kore.conf's root and runas apply."""
    return [KORE, "-c", conf, "-f"] + ([] if privsep else ["-n", "-r"])


def kore_env(env, module=None):
    env = dict(env)
    runtime = asan_runtime(module)
    if runtime:
        env["LD_PRELOAD"] = runtime
    return env


def config_check(env, conf=None, cwd="/"):
    """What the configuration check says: Kore started with CHECK_CONFIG=1
    stops after reading the application's settings."""
    state = tempfile.mkdtemp(prefix="apicheck-")
    try:
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CHECK_CONFIG": "1", **env}
        if conf:
            full["SERVER_CONF"] = conf
        return subprocess.run(kore_command(kore_conf(state)), capture_output=True, text=True,
                              env=kore_env(full), cwd=cwd, timeout=60)
    finally:
        shutil.rmtree(state, ignore_errors=True)
PROXY = os.environ.get("TEST_PROXY", "")
_proxy_lock = threading.Lock()


def direct_only(reason):
    """Marks a test (or class) that talks to the server over its own sockets
    or connections: the proxied pass (TEST_PROXY) skips it."""
    return unittest.skipIf(PROXY, f"direct only, not run through {PROXY}: {reason}")


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                   check=True, capture_output=True)


def db_url_for(name):
    base = os.environ["DATABASE_URL"]
    parts = urllib.parse.urlsplit(base)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # http.client.HTTPMessage (case-insensitive)
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


class Server:
    def __init__(self, env=None, conf=None, use_db=True, kore_extra="", tls=None,
                 privsep=False, cwd=None, module=None):
        self.state = tempfile.mkdtemp(prefix="apitest-")
        self.db = None
        self.lines = []
        self.out = []
        self.port = None
        self.proxy = None
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOST": "127.0.0.1",
            "PORT": "0",
            "ENVIRONMENT": "development",
            "SECRET_KEY": "test-secret-key-0123456789abcdef",
            "STATIC_DIR": os.path.join(REPO, "node_modules"),
            "MIGRATIONS_DIR": os.path.join(REPO, "sql/migrations"),
            "QUERIES_DIR": os.path.join(REPO, "sql/queries"),
            "UPLOAD_DIR": os.path.join(self.state, "uploads"),
            "REQUEST_LOG": os.path.join(self.state, "requests.log"),
            "LOGIN_LOG": os.path.join(self.state, "login_log.txt"),
            "OUTBOX": os.path.join(self.state, "outbox.txt"),
            "WORKERS": "4",
            # LeakSanitizer stops the process with ptrace at exit, which
            # Kore's sandbox refuses; leaks are the unit tests' to find.
            "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0",
            "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
        }
        if use_db:
            self.db = "t_" + secrets.token_hex(6)
            psql(os.environ["DATABASE_URL"], f'CREATE DATABASE "{self.db}"')
            full_env["DATABASE_URL"] = db_url_for(self.db)
        full_env.update(env or {})
        if conf:
            full_env["SERVER_CONF"] = conf
        self.env = kore_env(full_env, module)
        args = kore_command(kore_conf(self.state, kore_extra, tls, module), privsep)
        self.proc = subprocess.Popen(args, cwd=cwd or self.state, env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._listening = threading.Event()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.lines, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stdout, self.out, False), daemon=True).start()

    def _read(self, stream, sink, watch):
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            sink.append(line)
            if watch:
                m = re.search(r"listening on https?://[\d.]+:(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    self._listening.set()

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self._listening.wait(0.05):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %d:\n%s" % (self.proc.returncode, "\n".join(self.lines)))
        raise RuntimeError("server did not start:\n" + "\n".join(self.lines))

    def wait_exit(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        finally:
            time.sleep(0.1)  # let the reader threads drain

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        time.sleep(0.05)          # the reader threads drain the pipes
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        if self.db:
            psql(os.environ["DATABASE_URL"], f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
            self.db = None
        shutil.rmtree(self.state, ignore_errors=True)
        return rc

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None, headers=None, conn=None):
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        if PROXY == "prism" and conn is None:
            with _proxy_lock:               # one Prism for the process, started on first use
                if self.proxy is None:
                    sys.path.insert(0, os.path.join(REPO, "tests", "conformance"))
                    from prism import Prism
                    self.proxy = Prism.shared()
            return self.proxy.request(self, method, path, body, hdrs)
        return self.send(method, path, body, hdrs, conn)

    def send(self, method, path, body, hdrs, conn=None, port=None):
        """One exchange as given (body bytes or None), to port (default: the
        server's own) or over conn."""
        c = conn or http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=30)
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        res = Response(r.status, r.headers, data)
        if conn is None:
            c.close()
        return res

    def wait_line(self, *texts, timeout=5):
        """Whether a line of the server's stderr containing every one of
        texts has been read within timeout seconds: the lines are read by
        a thread of their own, which may lag behind the test on a loaded
        machine."""
        deadline = time.monotonic() + timeout
        while True:
            if any(all(t in l for t in texts) for l in self.lines):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def sanitizer_reports(self):
        return [l for l in self.lines if "Sanitizer" in l or "runtime error:" in l]


class TcpProxy:
    """A loopback TCP relay that can be cut and restored: stands in for a
    database going away and coming back."""

    def __init__(self, target_host, target_port):
        import socket
        self.target = (target_host, target_port)
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.up = True
        self.closed = False
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                # Only close() ends the relay: a connection the client
                # gave up on before it was accepted must not stop it.
                if self.closed:
                    return
                time.sleep(0.01)
                continue
            if not self.up:
                c.close()
                continue
            try:
                u = socket.create_connection(self.target, timeout=5)
            except OSError:
                c.close()
                continue
            # The timeout was for connecting: an idle pooled connection
            # must stay open, as it would without the relay.
            u.settimeout(None)
            with self.lock:
                self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        """Refuse new connections and drop the open ones."""
        import socket
        self.up = False
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns = []

    def restore(self):
        self.up = True

    def close(self):
        self.closed = True
        self.cut()
        self.lsock.close()


class ServerCase(__import__("unittest").TestCase):
    """One server for the whole class; when the class is done it must exit
    0 on SIGTERM with no sanitizer report."""
    server_env = None
    server_module = None    # another application module (a test spec's)

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(env=cls.server_env, module=cls.server_module).wait_ready()

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        assert rc == 0, "server exit %d\n%s" % (rc, "\n".join(cls.srv.lines[-40:]))
        reports = cls.srv.sanitizer_reports()
        assert not reports, "\n".join(cls.srv.lines)
