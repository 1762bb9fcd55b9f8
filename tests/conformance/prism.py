"""prism.py - Stoplight Prism in front of the test servers: every response a
server gives is checked against openapi.yaml by a tool that is not ours.

Used by tests/http/harness.py when TEST_PROXY=prism (scripts/prism-test.sh):
Server.request() then goes through `prism proxy openapi.yaml`, and a
response that Prism finds at odds with the spec fails the test at once,
with Prism's words.

One Prism serves the whole test process (it takes seconds to start, and
the suites start many servers): its upstream is a small relay here that
passes each request on to the server named by its X-Upstream-Port header
(and strips that header), and gives back the server's answer unchanged.

How Prism is run, and why:
- Violations are read from the `sl-violations` header Prism puts on each
  response, not from `--errors`.  With `--errors` Prism answers in the
  server's place whenever the *request* is off-spec (an unknown route, a
  wrong method, a missing token), so the server's own 404/405/401
  envelopes would never be seen, and an undeclared 4xx/5xx status is
  only a Prism warning that `--errors` lets through.  Here every
  response-side violation, error or warning, fails.
- Request-side findings are ignored (`--validate-request=false`): the
  tests send invalid requests on purpose, to see the server refuse them.
- `--cors=false`: Prism would otherwise answer CORS preflights itself.

Requests Prism cannot carry are sent to the server directly, and its
answer is then checked by replay: the same method and path go through
Prism with a placeholder body and an X-Replay-Id, for which the relay
gives back the recorded answer byte for byte, so Prism still judges the
server's real response against the operation.  That covers
- a request body that is not UTF-8 (file uploads): Prism reads bodies as
  text and would forward them mangled;
- a body Prism cannot parse (malformed JSON): Prism answers 400 itself.
Prism's own answers are known by their missing X-Request-Id (the server
sets one on every response).  Not checked at all, and counted (never
silently) in the report:
- a path with dot segments or backslashes (traversal tests): Prism parses
  the URL as a browser does and would send `/files/..` as `/`;
- HEAD: Prism fails on a bodiless JSON answer;
- a 501 from an operation whose handler is not written yet: Prism
  "remocks" an upstream 501 with an invented example; each request
  carries `Prefer: code=501` so that such a remock fails loudly instead of
  passing for the server's answer.
A GET whose answer is binary (a stored file) is checked by Prism, then
fetched again directly: Prism re-encodes bodies as text and rewrites
Content-Length.

With PRISM_REPORT set, one JSON line per checked, violating or unchecked
request is appended to that file; scripts/prism-test.sh sums it up.
"""
import atexit
import http.client
import http.server
import json
import os
import socket
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PRISM_BIN = os.path.join(REPO, "node_modules", ".bin", "prism")
SPEC = os.path.join(REPO, "openapi.yaml")

_TEXT_TYPES = ("application/json", "application/problem+json", "application/yaml", "text/")
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
        "proxy-connection", "content-length", "host", "x-upstream-port", "x-replay-id"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url_kept(path):
    """Whether Prism forwards path unchanged (WHATWG URL parsing resolves
    dot segments, also percent-encoded ones, and turns \\ into /)."""
    p = path.split("?", 1)[0]
    if "\\" in p or "%5c" in p.lower():
        return False
    return not any(seg.lower().replace("%2e", ".") in (".", "..") for seg in p.split("/"))


def _is_text(body):
    if body is None or isinstance(body, str):
        return True
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


class PrismViolation(AssertionError):
    pass


class _Relay(http.server.BaseHTTPRequestHandler):
    """Prism's upstream: passes a request on to the server on its
    X-Upstream-Port, or answers a replay (X-Replay-Id) with the recorded
    response; either way the answer goes back as the server gave it."""
    protocol_version = "HTTP/1.1"

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        key = self.headers.get("X-Replay-Id")
        if key:
            status, headers, data = self.server.slots.pop(key)
        else:
            status, headers, data = self._forward(int(self.headers["X-Upstream-Port"]), body)
        self.send_response_only(status)
        length = str(len(data))
        for k, v in headers:
            if k.lower() == "content-length" and self.command == "HEAD":
                length = v
            elif k.lower() not in _HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _forward(self, port, body):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            c.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            c.putheader("Host", f"127.0.0.1:{port}")
            for k, v in self.headers.items():
                if k.lower() not in _HOP:
                    c.putheader(k, v)
            if body is not None:
                c.putheader("Content-Length", str(len(body)))
            try:
                c.endheaders(body)
            except OSError:
                pass            # the server may answer (413) and close before reading it all
            r = c.getresponse()
            return r.status, r.headers.items(), r.read()
        except OSError as e:    # no X-Request-Id: the harness asks the server directly
            return 502, [("Content-Type", "text/plain")], f"relay: {e}".encode()
        finally:
            c.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_TRACE = _handle

    def log_message(self, *args):
        pass


class Prism:
    """`prism proxy openapi.yaml <relay>`, and the relay; one per process
    (Prism.shared()), stopped when the process exits."""

    _shared = None
    _shared_lock = threading.Lock()

    @classmethod
    def shared(cls):
        with cls._shared_lock:
            if cls._shared is None:
                out = os.environ.get("PRISM_LOG_DIR", os.path.join(REPO, "build", "test-output", "prism"))
                cls._shared = cls(os.path.join(out, f"prism-{os.getpid()}.log"))
                atexit.register(cls._shared.stop)
            return cls._shared

    def __init__(self, log_path):
        self.relay = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Relay)
        self.relay.daemon_threads = True
        self.relay.slots = {}
        threading.Thread(target=self.relay.serve_forever, daemon=True).start()
        self.port = _free_port()
        self.violations = []
        self.log_path = log_path
        self._seq = 0
        self._seq_lock = threading.Lock()
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        self._log = open(log_path, "wb")
        self._ready = threading.Event()
        self.proc = subprocess.Popen(
            [PRISM_BIN, "proxy", SPEC, f"http://127.0.0.1:{self.relay.server_address[1]}",
             "--host", "127.0.0.1", "--port", str(self.port),
             "--validate-request=false", "--cors=false"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=dict(os.environ, NO_COLOR="1", FORCE_COLOR="0"))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.time() + 60
        while not self._ready.wait(0.05):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"prism did not start; see {log_path}")

    def _read(self):
        for line in self.proc.stdout:
            self._log.write(line)
            if b"Prism is listening" in line:
                self._ready.set()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)       # it drains the pipe into the log
        self.proc.stdout.close()
        self._log.close()
        self.relay.shutdown()
        self.relay.server_close()

    def _report(self, **entry):
        path = os.environ.get("PRISM_REPORT")
        if path:
            with open(path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def request(self, srv, method, path, body, headers):
        """srv.send() through Prism, or straight to the server and checked
        by replay, or unchecked and reported (see the module comment).
        srv: anything with .port and .send() like harness.Server."""
        if not _url_kept(path):
            self._report(unchecked="dot segments or backslashes in the path (Prism would resolve them)",
                         method=method, path=path)
            return srv.send(method, path, body, headers)
        if not _is_text(body):
            direct = srv.send(method, path, body, headers)
            self._check_by_replay(srv, method, path, headers, direct, "a body that is not UTF-8")
            return direct
        via = dict(headers, Prefer="code=501")
        via["X-Upstream-Port"] = str(srv.port)
        r = srv.send(method, path, body, via, port=self.port)
        if r.headers.get("X-Request-Id"):
            self._judge(method, path, r)
            ctype = r.headers.get("Content-Type", "")
            if method == "HEAD" or (method == "GET" and r.body and not ctype.startswith(_TEXT_TYPES)):
                return srv.send(method, path, body, headers)     # checked; headers and bytes come direct
            return r
        # Prism answered itself: the request never reached the server, or
        # reached a 501 stub that did nothing.  Ask the server directly.
        direct = srv.send(method, path, body, headers)
        if direct.status == 501:
            self._report(unchecked="the server answered 501 (a handler not written yet): Prism does not pass a 501 on",
                         method=method, path=path)
        elif method == "HEAD":
            self._report(unchecked="HEAD (Prism fails on a bodiless answer)", method=method, path=path)
        else:
            self._check_by_replay(srv, method, path, headers, direct,
                                  f"Prism answered {r.status} itself: {r.body[:80].decode('utf-8', 'replace')}")
        return direct

    def _judge(self, method, path, r, how="proxied"):
        """Fails on any response-side finding in Prism's sl-violations."""
        found = []
        raw = r.headers.get("sl-violations")
        if raw:
            try:
                items = json.loads(raw)
            except ValueError:
                items = [{"location": ["response"], "severity": "Error", "message": raw}]
            found = [v for v in items if (v.get("location") or [""])[0] == "response"]
        if found:
            text = "; ".join(f"{v.get('severity')}: {'.'.join(map(str, v.get('location', [])))}: {v.get('message')}"
                             for v in found)
            self.violations.append((method, path, r.status, text))
            self._report(violation=text, method=method, path=path, status=r.status, how=how)
            raise PrismViolation(f"Prism: {method} {path} -> {r.status} does not match openapi.yaml: {text}")
        self._report(checked=True, method=method, path=path, status=r.status, how=how)

    def _check_by_replay(self, srv, method, path, headers, direct, why):
        with self._seq_lock:
            self._seq += 1
            key = str(self._seq)
        self.relay.slots[key] = (direct.status, direct.headers.items(), direct.body)
        ctype = headers.get("Content-Type", "")
        placeholder = b"{}" if "json" in ctype else b"(the request body went to the server directly)"
        hdrs = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        hdrs.update({"X-Replay-Id": key, "Prefer": "code=501"})
        r = srv.send(method, path, placeholder, hdrs, port=self.port)
        self.relay.slots.pop(key, None)
        if not r.headers.get("X-Request-Id"):
            self._report(unchecked=f"{why}; replay failed: Prism answered {r.status} itself",
                         method=method, path=path)
            return
        self._judge(method, path, r, how=f"replayed ({why})")
