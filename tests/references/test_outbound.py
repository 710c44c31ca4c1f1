"""
Outbound requests never reach inside our own network (after DNS, on every redirect, unless
HSL_OUTBOUND_ALLOWED_HOSTS names the host), and never outlast their deadline.
"""

import socket
import time

import pytest

from references import outbound
from references.linkcheck import LinkChecker
from references.models import LinkStatus
from references.outbound import OutboundRefused, is_public_address, open_url


@pytest.fixture
def nothing_allowed(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []


@pytest.fixture
def connections(monkeypatch):
    """Every address a guarded connection is attempted to; none beyond loopback is made."""
    attempted = []
    connect = outbound.DeadlineSocket.connect

    def recording(sock, address):
        attempted.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError("the tests do not leave this machine")
        return connect(sock, address)

    monkeypatch.setattr(outbound.DeadlineSocket, "connect", recording)
    return attempted


def resolve_as(monkeypatch, name, address):
    """Make `name` resolve to `address`, as a DNS record pointing anywhere would."""
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def answering(host, port, *args, **kwargs):
        if host == name:
            lookups.append(host)
            return real_getaddrinfo(address, port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", answering)
    return lookups


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_internal_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_public(address):
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/ok",
        "http://localhost:{port}/ok",
        "http://[::1]:{port}/ok",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]:{port}/ok",
    ],
)
def test_the_link_checker_refuses_internal_addresses(
    site, checker, nothing_allowed, connections, url
):
    result = checker.check(url.format(port=site.server_port))
    assert result.link_status == LinkStatus.UNREACHABLE
    assert result.refused
    assert result.error.startswith("refused: internal address (")
    assert result.describe().startswith("unreachable (refused: internal address")
    assert connections == []
    assert sum(site.hits.values()) == 0


def test_a_public_name_that_resolves_to_loopback_is_refused(
    site, checker, nothing_allowed, connections, monkeypatch
):
    resolve_as(monkeypatch, "news.example.org", "127.0.0.1")
    result = checker.check(f"http://news.example.org:{site.server_port}/ok")
    assert result.refused
    assert result.error == "refused: internal address (news.example.org is 127.0.0.1)"
    assert connections == []
    assert sum(site.hits.values()) == 0


def test_the_address_checked_is_the_address_connected_to(monkeypatch, connections, settings):
    """One lookup per connection: a second answer (DNS rebinding) is never asked for."""
    lookups = resolve_as(monkeypatch, "rebinding.example.org", "93.184.216.34")
    with pytest.raises(OSError):
        open_url("http://rebinding.example.org/", timeout=1)
    assert lookups == ["rebinding.example.org"]
    assert connections == ["93.184.216.34"]


def test_a_redirect_to_an_internal_host_is_refused_at_the_hop(site, checker, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{site.server_port}"]
    result = checker.check(site.url("/to-localhost"))
    assert result.refused
    assert result.error == "refused: internal address (localhost is 127.0.0.1)"
    assert site.hits["HEAD", "/to-localhost"] == 1
    assert site.hits["HEAD", "/ok"] + site.hits["GET", "/ok"] == 0


def test_a_redirect_to_the_metadata_service_is_refused(site, checker, connections):
    result = checker.check(site.url("/to-metadata"))
    assert result.refused
    assert result.error == "refused: internal address (169.254.169.254)"
    assert "169.254.169.254" not in connections


def test_an_allowed_host_is_allowed_on_its_port_only(site, checker, settings, closed_port):
    settings.OUTBOUND_ALLOWED_HOSTS = [f"127.0.0.1:{site.server_port}"]
    assert checker.check(site.url("/ok")).link_status == LinkStatus.OK
    assert checker.check(f"http://127.0.0.1:{closed_port}/").refused


def test_an_allowed_name_is_allowed_on_any_port(site, checker, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["localhost"]
    result = checker.check(f"http://localhost:{site.server_port}/ok")
    assert (result.link_status, result.refused) == (LinkStatus.OK, False)


def test_only_web_addresses_are_opened():
    with pytest.raises(OutboundRefused, match="refused: not a web address"):
        open_url("file:///etc/passwd", timeout=1)


def outbound_checker(**options):
    return LinkChecker(retries=2, backoff=0.01, **options)


def test_a_server_that_drips_its_answer_is_stopped_by_the_deadline(site):
    checker = outbound_checker(timeout=5, deadline=0.3)
    result = checker.check(site.url("/drip"))
    assert result.link_status == LinkStatus.UNREACHABLE
    assert result.error == "no complete answer within the 0.3 s deadline"


def test_open_url_stops_a_dripping_server_at_its_deadline(site):
    with pytest.raises(OSError) as error:
        open_url(site.url("/drip"), timeout=5, deadline=time.monotonic() + 0.3)
    reason = getattr(error.value, "reason", error.value)
    assert isinstance(reason, TimeoutError)


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(site):
    checker = outbound_checker(timeout=1, deadline=5, max_retry_after=60)
    result = checker.check(site.url("/busy"))  # 429 with Retry-After: 120
    assert (result.link_status, result.status_code, result.attempts) == (
        LinkStatus.UNREACHABLE,
        429,
        1,
    )
