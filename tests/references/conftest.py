"""
Fixtures for the reference tests: a local web server with pages that misbehave in every way a
link check meets, stand-ins for NCBI E-utilities and Crossref answering from responses/, and a
guard that keeps these tests off the outside network (DNS included).

Outbound requests refuse loopback addresses (references/outbound.py), so every test here allows
127.0.0.1 (`HSL_OUTBOUND_ALLOWED_HOSTS`, settings.OUTBOUND_ALLOWED_HOSTS) unless it says
otherwise; the tests of the refusal itself narrow or empty the list.
"""

import ipaddress
import json
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from references.linkcheck import LinkChecker

LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}


def is_address(host):
    """An address literal needs no name lookup (and is refused or connected to by the test)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@pytest.fixture(autouse=True)
def local_servers_allowed(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch):
    """Fail any name lookup other than the loopback address, and ignore proxy settings."""
    real_getaddrinfo = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in LOCAL_HOSTS and not is_address(host):
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
        self.answering = True
        try:
            self.answer(method, path, hits)
        finally:
            self.stop_answering()

    def stop_answering(self):
        """Count this request as answered. `reply` calls it before it writes a byte: the checker
        may start its next request as soon as it reads the answer, and that request must not
        find this one still counted, or `peak` would count one check twice."""
        if self.answering:
            self.answering = False
            with self.server.lock:
                self.server.running -= 1

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
        elif path == "/to-localhost":  # the same server under a name that is not allowed
            self.reply(302, Location=f"http://localhost:{self.server.server_port}/ok")
        elif path == "/to-metadata":
            self.reply(302, Location="http://169.254.169.254/latest/meta-data/")
        elif path == "/drip":
            self.drip()
        elif path == "/slow":
            self.server.slow_started.set()
            self.server.release.wait(30)  # until the test (or the fixture's end) releases it
            self.reply(200)
        elif path == "/together":
            self.server.wait_for_company()
            self.reply(200)
        elif path == "/reset":
            # Close with a TCP reset and no answer at all.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        else:
            self.reply(404)

    def drip(self):
        """Headers one byte at a time, never finished: each byte well within any timeout."""
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not self.server.release.wait(0.02):
                self.wfile.write(b"X")
                self.wfile.flush()
        except OSError:
            pass  # the checker hung up
        self.close_connection = True

    def reply(self, status, **headers):
        self.stop_answering()
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
        #: /together holds each request until this many are being answered at once.
        self.company = 1
        self.together = threading.Event()

    def wait_for_company(self):
        """Hold a request for /together until `company` requests are being answered at once
        (5 s at most, for a checker that never sends that many): how many checks run together
        is then seen without waiting on any clock."""
        with self.lock:
            if self.running >= self.company:
                self.together.set()
        self.together.wait(5)

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
    """A checker with short waits between retries, so retries take a fraction of a second. Its
    timeout is long enough for a loaded machine: a test of timing out sets its own."""
    return LinkChecker(timeout=5, retries=2, backoff=0.01, max_retry_after=0.05)


@pytest.fixture
def closed_port():
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def editor(django_user_model):
    """A staff member who may add, change and view references, and nothing else: these tests
    run without the articles app too, whose migrations make the project's role groups."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("edna", "edna@example.com", "pw", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="references",
            codename__in=["add_reference", "change_reference", "view_reference"],
        )
    )
    return user


RESPONSES = Path(__file__).parent / "responses"


class MetadataHandler(BaseHTTPRequestHandler):
    """NCBI E-utilities under /eutils/ and the Crossref REST API under /crossref/, answering
    from the files in responses/ (see its README). ``server.requests`` lists (path, query)."""

    def do_GET(self):
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        with self.server.lock:
            self.server.requests.append((unquote(parts.path), query))
        if parts.path == "/eutils/esummary.fcgi":
            self.esummary(query)
        elif parts.path.startswith("/crossref/works/"):
            self.crossref(unquote(parts.path.removeprefix("/crossref/works/")))
        else:
            self.reply(404, b"Not found", "text/plain")

    def esummary(self, query):
        ids = query.get("id", "").split(",")
        if "90000429" in ids:
            return self.reply(
                429,
                b'{"error":"API rate limit exceeded","count":"4","limit":"3"}',
                headers={"Retry-After": self.server.retry_after},
            )
        if "90000500" in ids:
            return self.reply(500, b"<html>Internal error</html>", "text/html")
        documents = self.server.documents[query.get("db")]
        for path in RESPONSES.glob(f"esummary_{query.get('db')}_*.json"):
            answer = json.loads(path.read_text())
            if answer["result"]["uids"] == ids:
                return self.reply(200, path.read_bytes())
        result = {"uids": ids}
        for uid in ids:
            result[uid] = documents.get(uid, {"uid": uid, "error": "cannot get document summary"})
        self.reply(
            200,
            json.dumps(
                {"header": {"type": "esummary", "version": "0.3"}, "result": result}
            ).encode(),
        )

    def crossref(self, doi):
        if doi == "10.5555/test.busy":
            with self.server.lock:
                self.server.busy_answers += 1
                busy = self.server.busy_answers == 1
            if busy:
                return self.reply(429, b"Too many requests", "text/plain", {"Retry-After": "7"})
            doi = "10.5555/test.retracted"
        if doi == "10.5555/test.very-busy":
            return self.reply(429, b"Too many requests", "text/plain", {"Retry-After": "120"})
        if doi == "10.5555/test.slow":
            self.server.release.wait(5)
            return self.reply(200, b"{}")
        path = self.server.works.get(doi.lower())
        if path is None:
            return self.reply(
                404, (RESPONSES / "crossref_not_found.txt").read_bytes(), "text/plain"
            )
        self.reply(200, path.read_bytes())

    def reply(self, status, body, content_type="application/json", headers=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up waiting

    def log_message(self, format, *args):
        pass


class MetadataServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), MetadataHandler)
        self.lock = threading.Lock()
        self.requests = []
        self.release = threading.Event()
        self.retry_after = "7"
        self.busy_answers = 0
        self.documents = {"pubmed": {}, "pmc": {}}
        for path in RESPONSES.glob("esummary_*.json"):
            db = path.name.split("_")[1]
            result = json.loads(path.read_text())["result"]
            for uid in result["uids"]:
                if "error" not in result[uid]:
                    self.documents[db][uid] = result[uid]
        self.works = {}
        for path in RESPONSES.glob("crossref_work_*.json"):
            self.works[json.loads(path.read_text())["message"]["DOI"].lower()] = path

    @property
    def address(self):
        return f"127.0.0.1:{self.server_port}"

    def handle_error(self, request, client_address):
        pass

    def queries(self, path):
        """The query of each request made to `path`, in order."""
        return [query for request_path, query in self.requests if request_path == path]


@pytest.fixture
def metadata_server(settings):
    """Stand-ins for NCBI E-utilities and Crossref on 127.0.0.1 (ephemeral port), named by the
    base-URL settings, with the outbound guard told to allow it."""
    server = MetadataServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.HSL_NCBI_EUTILS_URL = f"http://{server.address}/eutils/"
    settings.HSL_CROSSREF_API_URL = f"http://{server.address}/crossref/"
    settings.HSL_CONTACT_EMAIL = "editors@example.org"
    settings.HSL_NCBI_API_KEY = "test-key"
    settings.OUTBOUND_ALLOWED_HOSTS = [server.address]
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


class Sleeps(list):
    """Stands in for time.sleep: records what it was asked to wait, waits for nothing."""

    def __call__(self, seconds):
        self.append(round(seconds, 3))


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def services(sleeps):
    """NCBI and Crossref clients whose waits are recorded, not slept. Their timeout is long
    enough for a loaded machine: a test of timing out sets its own."""
    from references.metadata import crossref, ncbi

    return {
        "ncbi_service": ncbi.service(timeout=5, sleep=sleeps),
        "crossref_service": crossref.service(timeout=5, sleep=sleeps),
    }
