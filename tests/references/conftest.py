"""
Fixtures for the reference tests: a local web server with pages that misbehave in every way a
link check meets, and a guard that keeps these tests off the outside network (DNS included).
"""

import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from references.linkcheck import LinkChecker

LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch):
    """Fail any name lookup other than the loopback address, and ignore proxy settings."""
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in LOCAL_HOSTS:
            raise socket.gaierror(f"the tests may not look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


class Handler(BaseHTTPRequestHandler):
    """Routes by path; ``server.hits`` counts (method, path), ``server.peak`` the most requests
    answered at once."""

    def do_HEAD(self):
        self.route("HEAD")

    def do_GET(self):
        self.route("GET")

    def route(self, method):
        server = self.server
        path = self.path.split("?")[0]
        with server.lock:
            server.hits[method, path] += 1
            hits = (
                server.hits[method, path] + server.hits["GET" if method == "HEAD" else "HEAD", path]
            )
            server.running += 1
            server.peak = max(server.peak, server.running)
        try:
            self.answer(method, path, hits)
        finally:
            with server.lock:
                server.running -= 1

    def answer(self, method, path, hits):
        if path in ("/ok", "/ok/", "/slash/"):
            self.reply(200)
        elif path == "/moved":
            self.reply(301, Location="/ok")
        elif path == "/slash":
            self.reply(301, Location="/slash/")
        elif path in ("/missing", "/gone"):
            self.reply(404 if path == "/missing" else 410)
        elif path == "/error":
            self.reply(500)
        elif path == "/flaky":  # fails the first two requests (HEAD, then GET), then answers
            self.reply(503 if hits <= 2 else 200, **{"Retry-After": "0"})
        elif path == "/busy":
            self.reply(429, **{"Retry-After": "120"})
        elif path == "/no-head":
            self.reply(405 if method == "HEAD" else 200)
        elif path == "/head-lies":
            self.reply(404 if method == "HEAD" else 200)
        elif path == "/slow":
            self.server.slow_started.set()
            self.server.release.wait(2)
            self.reply(200)
        elif path == "/wait":
            time.sleep(0.15)
            self.reply(200)
        elif path == "/reset":
            # Close with a TCP reset and no answer at all.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:
            self.reply(404)

    def reply(self, status, **headers):
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(b"ok")
        except OSError:
            pass  # the checker gave up waiting

    def log_message(self, format, *args):
        pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.hits = Counter()
        self.running = self.peak = 0
        self.release = threading.Event()
        #: Set when a request for /slow arrives: the checker is waiting on its answer.
        self.slow_started = threading.Event()

    def url(self, path):
        return f"http://127.0.0.1:{self.server_port}{path}"

    def handle_error(self, request, client_address):
        pass  # a reset connection is the point of some tests


@pytest.fixture
def site():
    """A web server on 127.0.0.1 (ephemeral port): ``site.url("/ok")``."""
    server = LocalServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def checker():
    """A checker with short waits, so retries and timeouts take a fraction of a second."""
    return LinkChecker(timeout=0.5, retries=2, backoff=0.01, max_retry_after=0.05)


@pytest.fixture
def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
