"""
Link health: does each reference's address still lead readers to the source?

Standard library only (``urllib.request`` in a ``concurrent.futures`` thread pool, through the
guard of `outbound.py`): a check is a HEAD request or two, the answer's body is never read, so
an HTTP library would add a dependency for no gain. Worker threads only talk HTTP; the calling
thread schedules, saves (through `services.record_link_check`) and reports, so database work
never leaves it and Ctrl-C, which Python delivers to the main thread, stops the run between two
saves.

One check of one address (`LinkChecker.check`):

- HEAD first; GET when HEAD gets an error answer (405, 403, 501, 404 …) or a dropped
  connection: some servers answer HEAD wrongly, so a link is only called broken when GET agrees.
- Redirects are followed (at most 10) and the final address is recorded.
- An address inside our network (loopback, private, link-local …, after DNS resolution, on
  every redirect hop; see `outbound.py`) is never fetched: ``unreachable`` with the error
  "refused: internal address (…)", and `CheckResult.refused` set.
- Connection errors, timeouts, 5xx and 429 are retried with exponential back-off (0.5 s, 1 s,
  2 s …), waiting what a ``Retry-After`` header asks for if it is within a cap (30 s).
- Each address has an overall `deadline` (30 s): it covers every attempt, redirect and wait,
  and a server that answers one byte at a time; a wait that would end past it is not begun.
- The result: ``ok`` (2xx at the same normalised address), ``redirected`` (2xx elsewhere),
  ``broken`` (the server answered 4xx or 5xx, after retries), ``unreachable`` (no answer: the
  name does not resolve, the connection fails or times out, after retries; or refused).

Many addresses (`check_many`): at most `concurrency` at once (8), at most `per_host` at once on
one host (2), so no publisher sees more than two requests from us at a time.
"""

import datetime
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils import timezone

from . import services
from .models import LinkStatus
from .normalize import normalize_url
from .outbound import DeadlinePassed, OutboundRefused, open_url, retry_after_seconds

USER_AGENT = "hslhealing-linkcheck/1.0 (checks the sources cited in our articles)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_FINAL_URL = 1000


@dataclass(frozen=True)
class CheckResult:
    url: str
    link_status: str
    status_code: int | None = None
    final_url: str = ""
    error: str = ""
    attempts: int = 1
    checked_at: datetime.datetime | None = None
    #: Not fetched: the address leads inside our network (outbound.py).
    refused: bool = False

    def describe(self):
        """One line for a person: “broken (404)”, “unreachable (timed out)”."""
        detail = self.error or (str(self.status_code) if self.status_code else "")
        return f"{self.link_status} ({detail})" if detail else self.link_status


@dataclass(frozen=True)
class _Answer:
    """What one request got: an HTTP status and final address, or an error."""

    status: int | None = None
    final_url: str = ""
    retry_after: str | None = None
    error: str = ""
    retryable: bool = False
    fallback: bool = False  # after HEAD: worth asking again with GET
    refused: bool = False


class Interrupted(Exception):
    """The check was stopped before it finished."""


def retry_delay(attempt, *, backoff, retry_after=None, max_retry_after=30.0):
    """Seconds to wait before retry number `attempt` (1, 2 …): `backoff` doubled each time, or
    what the server's Retry-After header (seconds or an HTTP date) asks, capped."""
    delay = backoff * 2 ** (attempt - 1)
    if retry_after:
        asked = retry_after_seconds(retry_after)
        if asked is not None:
            delay = max(delay, asked)
    return min(delay, max_retry_after)


class LinkChecker:
    def __init__(
        self,
        *,
        timeout=10.0,
        retries=2,
        backoff=0.5,
        max_retry_after=30.0,
        deadline=30.0,
        user_agent=USER_AGENT,
        stop=None,
    ):
        self.timeout = timeout
        #: Seconds one address may take in all: attempts, redirects, waits between them.
        self.deadline = deadline
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.user_agent = user_agent
        #: Set it to stop: back-off waits end at once and no new attempt starts.
        self.stop = stop or threading.Event()

    def check(self, url):
        """Check one address. Raises `Interrupted` if `stop` is set before it is done."""
        if _scheme_of(url) not in ("http", "https"):
            return self._result(url, _Answer(error="not a web address"), attempts=0)
        deadline = time.monotonic() + self.deadline
        method = "HEAD"
        attempt = 0
        while True:
            if self.stop.is_set():
                raise Interrupted(url)
            attempt += 1
            answer = self._request(url, method, deadline)
            if method == "HEAD" and answer.fallback and time.monotonic() < deadline:
                method = "GET"
                answer = self._request(url, method, deadline)
            if not answer.retryable or attempt > self.retries:
                return self._result(url, answer, attempts=attempt)
            delay = retry_delay(
                attempt,
                backoff=self.backoff,
                retry_after=answer.retry_after,
                max_retry_after=self.max_retry_after,
            )
            if time.monotonic() + delay >= deadline:
                # Waiting would use up the deadline: the answer so far is the result.
                return self._result(url, answer, attempts=attempt)
            if self.stop.wait(delay):
                raise Interrupted(url)

    def _request(self, url, method, deadline):
        request = urllib.request.Request(
            url, method=method, headers={"User-Agent": self.user_agent, "Accept": "*/*"}
        )
        try:
            with open_url(request, timeout=self.timeout, deadline=deadline) as response:
                return _Answer(status=response.status, final_url=response.geturl())
        except OutboundRefused as refusal:
            return _Answer(error=str(refusal), refused=True)
        except urllib.error.HTTPError as error:
            error.close()
            return _Answer(
                status=error.code,
                final_url=error.geturl() or url,
                retry_after=error.headers.get("Retry-After") if error.headers else None,
                retryable=error.code in RETRY_STATUSES,
                fallback=error.code != 429,
            )
        except (OSError, http.client.HTTPException) as error:
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            if isinstance(reason, DeadlinePassed) or time.monotonic() >= deadline:
                return _Answer(error=f"no complete answer within the {self.deadline:g} s deadline")
            if isinstance(reason, socket.gaierror):
                return _Answer(error="the name does not resolve", retryable=True)
            if isinstance(reason, TimeoutError):
                return _Answer(error="timed out", retryable=True)
            if isinstance(reason, ssl.SSLCertVerificationError):
                return _Answer(error="invalid certificate")
            return _Answer(error=_describe(reason), retryable=True, fallback=True)
        except ValueError:  # a malformed address (http.client.InvalidURL …)
            return _Answer(error="not a valid address")

    def _result(self, url, answer, *, attempts):
        if answer.status is None:
            status = LinkStatus.UNREACHABLE
        elif answer.status == 429:
            # Still rate-limited after the retries: the page may be fine; we could not tell.
            status = LinkStatus.UNREACHABLE
        elif 200 <= answer.status < 300:
            same = normalize_url(answer.final_url) == normalize_url(url)
            status = LinkStatus.OK if same else LinkStatus.REDIRECTED
        else:
            status = LinkStatus.BROKEN
        final_url = answer.final_url if len(answer.final_url) <= MAX_FINAL_URL else ""
        return CheckResult(
            url=url,
            link_status=status,
            status_code=answer.status,
            final_url=final_url,
            error=answer.error,
            attempts=attempts,
            checked_at=timezone.now(),
            refused=answer.refused,
        )


def _describe(error):
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, ConnectionResetError | http.client.RemoteDisconnected):
        return "connection closed by the server"
    return str(error) or error.__class__.__name__


def _scheme_of(url):
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def host_of(url):
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def check_many(items, *, checker, on_result, concurrency=8, per_host=2, time_limit=None):
    """Check the addresses of `items` (pairs of anything and a URL), calling
    ``on_result(item, result)`` in the calling thread as each is done.

    At most `concurrency` checks run at once, at most `per_host` of them on one host. On
    KeyboardInterrupt (or any error from `on_result`) nothing more is started, checks under way
    are told to stop, and the exception propagates: results already passed to `on_result` stay.
    After `time_limit` seconds, checks under way are stopped the same way and it returns.
    """
    deadline = None if time_limit is None else time.monotonic() + time_limit
    if concurrency < 1 or per_host < 1:
        raise ValueError("concurrency and per_host must be at least 1")
    queues = {}
    for item in items:
        queues.setdefault(host_of(item[1]), deque()).append(item)
    busy = dict.fromkeys(queues, 0)
    running = {}
    executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="linkcheck")
    try:
        while queues or running:
            if deadline is not None and time.monotonic() > deadline:
                checker.stop.set()
                return
            for host, queue in list(queues.items()):
                while queue and busy[host] < per_host and len(running) < concurrency:
                    item = queue.popleft()
                    running[executor.submit(checker.check, item[1])] = (host, item)
                    busy[host] += 1
                if not queue:
                    del queues[host]
            # A timeout keeps the main thread responsive to Ctrl-C on every platform.
            done, _pending = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                host, item = running.pop(future)
                busy[host] -= 1
                on_result(item, future.result())
    except BaseException:
        checker.stop.set()
        raise
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


def check_references(
    references, *, checker=None, concurrency=8, per_host=2, time_limit=None, on_checked=None
):
    """Check the links of `references`, saving each result as it comes in, and return how many
    ended in each status. ``on_checked(reference, result)`` is called after each save."""
    checker = checker or LinkChecker()
    counts = Counter()

    def save(item, result):
        reference = item[0]
        services.record_link_check(reference=reference, result=result)
        counts[result.link_status] += 1
        if on_checked:
            on_checked(reference, result)

    items = ((reference, reference.url) for reference in references)
    check_many(
        items,
        checker=checker,
        on_result=save,
        concurrency=concurrency,
        per_host=per_host,
        time_limit=time_limit,
    )
    return counts
