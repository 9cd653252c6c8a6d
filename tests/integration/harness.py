"""Starts the real `vigil serve` on a free loopback port over a fresh data
directory and speaks HTTP to it. Shared by the integration tests (stdlib only).

Under ASan+UBSan builds the server's stderr is checked for sanitizer reports
when it stops, and a non-zero exit status fails the test."""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

VIGIL = os.environ.get("VIGIL_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "src", "cli", "vigil")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*args, stdin=None, env=None, check=False):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([VIGIL, *args], input=stdin, capture_output=True, text=True, env=e,
                       timeout=120)
    for mark in SANITIZER_MARKS:
        if mark in p.stderr:
            raise AssertionError("sanitizer report from vigil %s:\n%s" % (args, p.stderr))
    if check and p.returncode != 0:
        raise AssertionError("vigil %s exited %d: %s" % (args, p.returncode, p.stderr))
    return p


class Response:
    def __init__(self, status, body, headers):
        self.status = status
        self.raw = body
        self.headers = headers
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def code(self):
        return (self.json or {}).get("error", {}).get("code")

    @property
    def field(self):
        return (self.json or {}).get("error", {}).get("field")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Server:
    def __init__(self, demo=False, extra=()):
        self.dir = tempfile.TemporaryDirectory(prefix="vigil-it-")
        self.data = os.path.join(self.dir.name, "data")
        args = ["init", "--data", self.data]
        if demo:
            args.append("--demo")
        p = run(*args, check=True)
        self.init = json.loads(p.stdout)
        self.admin = self.init["token"]
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.extra = list(extra)
        self.log = open(os.path.join(self.dir.name, "serve.log"), "w+")
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [VIGIL, "serve", "--data", self.data, "--listen", "127.0.0.1:%d" % self.port,
             "--threads", "4", "--sweep-interval", "1", *self.extra],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.get("/healthz").status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("vigil serve did not start: %s" % self.stderr())

    def stderr(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return Response(r.status, r.read().decode("utf-8", "replace"), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read().decode("utf-8", "replace"), dict(e.headers))

    def get(self, path, token=None):
        return self.request("GET", path, token=token)

    def post(self, path, body=None, token=None, raw=None):
        return self.request("POST", path, body=body, token=token, raw=raw)

    def kill9(self):
        """SIGKILL: no graceful stop, nothing flushed beyond what was committed."""
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        """SIGTERM, wait, and fail on a bad exit or a sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("vigil serve did not stop on SIGTERM")
        err = self.stderr()
        for mark in SANITIZER_MARKS:
            if mark in err:
                raise AssertionError("sanitizer report from vigil serve:\n" + err[-6000:])
        if self.proc.returncode != 0:
            raise AssertionError("vigil serve exited %d:\n%s" % (self.proc.returncode, err[-3000:]))

    def close(self):
        try:
            self.stop()
        finally:
            self.log.close()
            self.dir.cleanup()


def main():
    if not os.path.exists(VIGIL):
        raise SystemExit("vigil binary not found at %s (set VIGIL_BIN)" % VIGIL)
    unittest.main(verbosity=2)


class Receiver:
    """A webhook receiver on loopback: records every request (headers, body),
    answers with the statuses queued in .script (default 200), optionally
    holding a request for .hold seconds first."""

    def __init__(self):
        import http.server
        import threading
        self.requests = []
        self.script = []
        self.hold = 0
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body})
                    status = outer.script.pop(0) if outer.script else 200
                    hold = outer.hold
                if hold:
                    time.sleep(hold)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, pred, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                got = [r for r in self.requests if pred(r)]
            if got:
                return got
            time.sleep(0.05)
        return []

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
