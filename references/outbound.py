"""
Outbound requests that never reach inside our own network, and never outlast their deadline.

An address an editor types (a reference's link) or a service names (a metadata lookup's
redirect) must not make the server probe itself or its neighbours: the admin on 127.0.0.1, a
database on 10.0.0.5, the cloud's metadata service on 169.254.169.254. So every connection
made through `open_url`:

- resolves the host name once, keeps only the addresses that are public (`is_public_address`:
  not loopback, private, link-local, multicast, reserved or unspecified, IPv4 or IPv6, an
  IPv4 address inside IPv6 judged as IPv4), and connects to one of those very addresses, while
  sending the original name in `Host` and in TLS (SNI and the certificate check). Checking one
  lookup and letting the HTTP library do a second could be answered differently the second
  time (DNS rebinding); here there is no second lookup.
- does so again on every redirect: each hop is a new connection through the same check.
- refuses with `OutboundRefused` (a readable message) instead of connecting, unless
  settings.OUTBOUND_ALLOWED_HOSTS (`HSL_OUTBOUND_ALLOWED_HOSTS`: `host` or `host:port` items)
  names the host: an intranet mirror, or the tests' local servers.
- stops at `deadline` (a `time.monotonic()` time) whatever the server does: every read and
  write on the socket waits at most until then, so a server dripping one byte at a time cannot
  hold a worker past it (`DeadlinePassed`, a `TimeoutError`).
- goes direct: proxy variables are not honoured, since a proxy would resolve and connect where
  this check cannot see.

Standard library only, like the link checker built on it. This module reads Django settings
and nothing else of the project, so `references` stays an app that can be lifted out.
"""

import datetime
import email.utils
import http.client
import ipaddress
import socket
import ssl
import time
import urllib.request
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

__all__ = ["DeadlinePassed", "OutboundRefused", "is_public_address", "open_url"]

DEFAULT_PORTS = {"http": 80, "https": 443}


class OutboundRefused(Exception):
    """The address leads inside our network (or is not a web address); nothing was sent."""

    def __init__(self, host, address=None, reason="internal address"):
        self.host = host
        self.address = address
        self.reason = reason
        shown = f"{host} is {address}" if address and address != host else host
        super().__init__(f"refused: {reason} ({shown})")


class DeadlinePassed(TimeoutError):
    """The request was still under way when its deadline came."""


#: IPv6 prefix of NAT64 gateways, which carry an IPv4 address in their last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address):
    """True for an address on the public internet; False for loopback, private, link-local,
    multicast, reserved, unspecified and other special-purpose ranges. An IPv4 address carried
    in IPv6 (mapped, 6to4, Teredo, NAT64) is judged as that IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if ip.version == 6:
        if ip.ipv4_mapped:
            return is_public_address(str(ip.ipv4_mapped))
        if ip.sixtofour:
            return is_public_address(str(ip.sixtofour))
        if ip.teredo:
            return is_public_address(str(ip.teredo[1]))
        if ip in NAT64:
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return ip.is_global and not ip.is_multicast


def allowed_hosts():
    """settings.OUTBOUND_ALLOWED_HOSTS as (host, port or None) pairs, host in lower case."""
    allowed = set()
    for item in settings.OUTBOUND_ALLOWED_HOSTS:
        parts = urlsplit(f"//{item.strip()}")
        if parts.hostname:
            allowed.add((parts.hostname.lower(), parts.port))
    return allowed


def is_allowed_host(host, port):
    """True when OUTBOUND_ALLOWED_HOSTS names `host` (any port) or `host:port`."""
    host = host.strip("[]").lower()
    allowed = allowed_hosts()
    return (host, None) in allowed or (host, port) in allowed


def resolve(host, port):
    """The addresses to connect to for `host`: `getaddrinfo` results, public ones only unless
    the host is allowed. Raises OutboundRefused when none is left."""
    results = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if is_allowed_host(host, port):
        return results
    public = [result for result in results if is_public_address(result[4][0])]
    if not public:
        raise OutboundRefused(host, results[0][4][0] if results else None)
    return public


class DeadlineMixin:
    """Every read and write waits at most the socket's own timeout, and never past `deadline`."""

    deadline = None
    io_timeout = None

    def within_deadline(self):
        if self.deadline is None:
            return
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlinePassed("no complete answer before the deadline")
        self.settimeout(remaining if self.io_timeout is None else min(self.io_timeout, remaining))

    def recv(self, *args, **kwargs):
        self.within_deadline()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args, **kwargs):
        self.within_deadline()
        return super().recv_into(*args, **kwargs)

    def send(self, *args, **kwargs):
        self.within_deadline()
        return super().send(*args, **kwargs)

    def sendall(self, *args, **kwargs):
        self.within_deadline()
        return super().sendall(*args, **kwargs)


class DeadlineSocket(DeadlineMixin, socket.socket):
    pass


class DeadlineSSLSocket(DeadlineMixin, ssl.SSLSocket):
    pass


def guarded_connection(host, port, *, timeout, deadline, source_address=None):
    """A socket connected to a checked address of `host` (see the module docstring)."""
    error = None
    for family, kind, proto, _name, address in resolve(host, port):
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise DeadlinePassed(f"could not connect to {host} before the deadline")
        sock = DeadlineSocket(family, kind, proto)
        try:
            sock.settimeout(timeout if remaining is None else min(timeout, remaining))
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
        except OSError as exception:
            sock.close()
            error = exception
            continue
        sock.deadline, sock.io_timeout = deadline, timeout
        return sock
    raise error or OSError(f"no address to connect to for {host}")


class GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, *, deadline=None, **kwargs):
        super().__init__(host, **kwargs)
        self.deadline = deadline

    def connect(self):
        self.sock = guarded_connection(
            self.host,
            self.port,
            timeout=self.timeout,
            deadline=self.deadline,
            source_address=self.source_address,
        )


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, *, deadline=None, ssl_context=None, **kwargs):
        self.ssl_context = ssl_context or ssl.create_default_context()
        # Sockets wrapped by this context keep the deadline on every read (documented hook).
        self.ssl_context.sslsocket_class = DeadlineSSLSocket
        super().__init__(host, context=self.ssl_context, **kwargs)
        self.deadline = deadline

    def connect(self):
        sock = guarded_connection(
            self.host,
            self.port,
            timeout=self.timeout,
            deadline=self.deadline,
            source_address=self.source_address,
        )
        sock.within_deadline()
        # The certificate is checked against the name asked for, not the address connected to.
        self.sock = self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        self.sock.deadline, self.sock.io_timeout = self.deadline, self.timeout


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(partial(GuardedHTTPConnection, deadline=self.deadline), req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline, ssl_context=None):
        super().__init__()
        self.deadline = deadline
        self.ssl_context = ssl_context

    def https_open(self, req):
        connection = partial(
            GuardedHTTPSConnection, deadline=self.deadline, ssl_context=self.ssl_context
        )
        return self.do_open(connection, req)


class SameMethodRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects of a HEAD request with HEAD (urllib before 3.13 switches to GET), and
    to web addresses only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


def build_opener(deadline, ssl_context=None):
    """An opener for http and https only (no file:, ftp: or data: addresses), through the
    guarded connections, following redirects (each hop checked again)."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        GuardedHTTPHandler(deadline),
        GuardedHTTPSHandler(deadline, ssl_context),
        urllib.request.HTTPDefaultErrorHandler(),
        SameMethodRedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def open_url(request_or_url, *, timeout, deadline=None, ssl_context=None):
    """Open an http(s) address as `urllib.request.urlopen` does, through the guard.

    `timeout`: seconds any one connect, read or write may wait. `deadline`: a
    `time.monotonic()` time after which no read or write is waited for, covering redirects and
    a body read from the response; None for none. Raises OutboundRefused for an address inside
    the network (a redirect's too), DeadlinePassed when the deadline comes first, and what
    `urlopen` raises otherwise (HTTPError, URLError).
    """
    url = getattr(request_or_url, "full_url", request_or_url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise OutboundRefused(url, reason="not a web address")
    if deadline is not None:
        timeout = max(0.001, min(timeout, deadline - time.monotonic()))
    return build_opener(deadline, ssl_context).open(request_or_url, timeout=timeout)


def retry_after_seconds(value):
    """Seconds a `Retry-After` header (seconds, or an HTTP date) asks to wait, or None when it
    says nothing readable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - timezone.now()).total_seconds())
