"""
The network side of lookups: one function that fetches (`get`), and `Service`, which keeps each
outside service's rate limit and retries what can be retried.

All HTTP goes through `get`, so routing lookups through another opener (an outbound guard)
is a one-line change there. Standard library only, as the link checker: a JSON GET needs no
HTTP library.

- Timeouts on every request (10 s by default, less where an editor waits).
- 429 and 5xx answers, timeouts and dropped connections are retried (2 retries by default),
  waiting what a ``Retry-After`` header asks when it is within `max_wait`, else doubling a short
  back-off; a Retry-After longer than `max_wait` is not waited for: the lookup fails at once
  with `ServiceUnavailable`, so an editor is never kept waiting on a busy service.
- Requests to one service are spaced by its `min_interval` (NCBI: 3 a second, 10 with an API
  key; Crossref: 10 a second in its polite pool, 5 without a contact address), across threads.
"""

import http.client
import json
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings

from .. import outbound

#: An answer larger than this is not a record (esummary of 200 papers is well under it).
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
RETRY_STATUSES = {429, 500, 502, 503, 504}
TOOL = "hslhealing"


class LookupFailed(Exception):
    """A lookup did not give a record. ``str()`` is one line an editor can read."""


class NotFound(LookupFailed):
    """The service has no record for that identifier."""


class ServiceUnavailable(LookupFailed):
    """The service did not answer usefully: timed out, unreachable, busy (429) or failing
    (5xx), after the retries."""


class BadResponse(LookupFailed):
    """The service answered with something that is not the documented response."""


def user_agent():
    """Who we are, with the address to write to when one is configured (Crossref's polite
    pool asks for it)."""
    email = settings.HSL_CONTACT_EMAIL
    contact = f"; mailto:{email}" if email else ""
    return f"{TOOL}/1.0 (reference metadata{contact})"


def get(url, *, timeout):
    """GET `url` through the outbound guard (`references/outbound.py`) and return the body, all
    of it within twice `timeout`. Raises urllib's errors (HTTPError for 4xx and 5xx) and the
    guard's (`OutboundRefused` for an address inside the network)."""
    request = urllib.request.Request(
        url, headers={"User-Agent": user_agent(), "Accept": "application/json"}
    )
    deadline = time.monotonic() + 2 * timeout
    with outbound.open_url(request, timeout=timeout, deadline=deadline) as response:
        body = response.read(MAX_RESPONSE_BYTES + 1)
    if len(body) > MAX_RESPONSE_BYTES:
        raise ValueError("the answer is too large")
    return body


class Service:
    """One outside service: its name for messages, its rate limit, timeouts and retries.

    `sleep` and `clock` are there for tests to stand in for; nothing else should pass them.
    """

    def __init__(
        self,
        name,
        *,
        min_interval,
        timeout=10.0,
        retries=2,
        backoff=1.0,
        max_wait=30.0,
        sleep=time.sleep,
        clock=time.monotonic,
    ):
        self.name = name
        self.min_interval = min_interval
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.lock = threading.Lock()
        self.next_request_at = 0.0
        self.requests = 0

    def get_json(self, url, *, not_found=None):
        """The JSON answer to GET `url`, retrying what can be retried. A 404 raises `NotFound`
        with the message `not_found`."""
        attempt = 0
        while True:
            attempt += 1
            self.wait_for_turn()
            try:
                body = get(url, timeout=self.timeout)
            except outbound.OutboundRefused as error:
                raise BadResponse(f"{self.name} was not asked: {refusal(error)}") from None
            except urllib.error.HTTPError as error:
                retry_after = error.headers.get("Retry-After") if error.headers else None
                error.close()
                if error.code == 404:
                    raise NotFound(not_found or f"{self.name} has no such record.") from None
                if error.code not in RETRY_STATUSES:
                    raise BadResponse(
                        f"{self.name} refused the request (HTTP {error.code})."
                    ) from None
                failure = f"{self.name} is busy or failing (HTTP {error.code})"
                wait = outbound.retry_after_seconds(retry_after)
            except (OSError, http.client.HTTPException) as error:
                reason = error.reason if isinstance(error, urllib.error.URLError) else error
                failure = f"{self.name} did not answer ({describe(reason)})"
                wait = None
            except ValueError as error:
                raise BadResponse(f"{self.name} gave an unusable answer ({error}).") from None
            else:
                try:
                    return json.loads(body)
                except ValueError:
                    raise BadResponse(f"{self.name} answered with something not JSON.") from None
            if attempt > self.retries:
                raise ServiceUnavailable(f"{failure}; try again later.")
            if wait is not None and wait > self.max_wait:
                raise ServiceUnavailable(
                    f"{failure} and asks to wait {wait:.0f} seconds; try again later."
                )
            self.sleep(wait if wait is not None else self.backoff * 2 ** (attempt - 1))

    def wait_for_turn(self):
        """Space requests by `min_interval` (requests from several threads queue up)."""
        with self.lock:
            now = self.clock()
            start = max(now, self.next_request_at)
            self.next_request_at = start + self.min_interval
            self.requests += 1
        if start > now:
            self.sleep(start - now)


def refusal(error):
    """Why the outbound guard refused, in words for the editor who pressed "Fetch details"."""
    if error.reason == "internal address":
        return (
            f"its address ({error.host}) is inside this network, which the site does not "
            "contact unless HSL_OUTBOUND_ALLOWED_HOSTS names it; ask whoever runs the site."
        )
    return f"{error}."


def describe(reason):
    if isinstance(reason, TimeoutError):
        return "timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError | http.client.RemoteDisconnected):
        return "connection closed"
    return str(reason) or reason.__class__.__name__
