"""
The page cache for anonymous readers: whole public pages kept in Django's cache.

Every cached page is filed under the current *content generation*, a random token kept in the
cache. Saving or deleting anything a public page shows (an article or any of its parts, a
category, tag, contributor, disclaimer, reference or citation: see `signals.py`) forgets the
token and starts a new generation, so no page of the old one is served again. The article
page keeps fragments under the generation too (articles/site/views.py), in each worker's memory, and
the site navigation is kept the same way (context_processors.py), with the page cache off too.
A scheduled article needs no save to appear: the generation records when the next scheduled
article goes live, and a request after that moment starts a new generation too.

Only anonymous GET requests are served from the cache or stored in it: a request carrying a
session cookie (an editor signed in to the admin) always reaches the views, and so do previews,
which are marked private.

What a page is filed under (`page_key`) is everything that changes it: the scheme, the host
with its port (pages hold absolute addresses: canonical, og:url, JSON-LD, feed, sitemap,
robots.txt) and the query parameters pages read (`CACHED_QUERY_PARAMETERS`), nothing else. The
host is validated (`request.get_host()`, a 400 for a host not in ALLOWED_HOSTS) before any
cached answer. A request whose Host names a port other than the one it came in on is never
served from or stored in the cache, so a forged `Host: site:31337` cannot file pages under
addresses readers would be given. A request with other query parameters (`?utm_source=…`) is
served the page stored for its known ones, but a page rendered for it is not stored: links on
that page may carry the foreign parameters (`{% querystring %}`), and one entry per `?utm=N`
would let anyone fill the cache. Stored pages carry an `ETag`, and `Last-Modified` is the time the
generation began, so `ConditionalGetMiddleware` answers a browser's revalidation with a 304.

Two tiers. The shared cache (Redis in production) holds the generation and the pages for every
worker. Each worker also keeps what it read in its own memory (`local_cache`): pages, checked
against the generation before use, and the generation itself, trusted for
`LOCAL_GENERATION_SECONDS`. So a page served again costs no round trip to Redis at all, and a
change is seen at once by the worker that saved it and within that second by every other one.

`DJANGO_PAGE_CACHE_SECONDS` (settings.PAGE_CACHE_SECONDS) is how long a page is kept; 0 turns
the page cache off, so both paths can be measured.
"""

import hashlib
import secrets
import threading
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError, transaction
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, set_response_etag
from django.utils.http import http_date

GENERATION_KEY = "page-cache:generation"
PAGE_KEY = "page-cache:page:{digest}"
#: The query parameters public pages read: `page` (lists, search), `q` (search) and `p` (the
#: sitemap's pages). Any other parameter changes nothing a page shows.
CACHED_QUERY_PARAMETERS = ("page", "p", "q")
#: Fragments are forgotten with their generation; this only bounds the life of unused ones.
FRAGMENT_CACHE_SECONDS = 24 * 60 * 60
#: How long a worker trusts its own copy of the generation before asking the shared cache.
LOCAL_GENERATION_SECONDS = 1

#: This worker's own memory (settings.CACHES["local"]): copies of the generation and of pages
#: read from the shared cache, and the article page's fragments (articles/site/views.py).
LOCAL_CACHE = "local"
local_cache = caches[LOCAL_CACHE]


@dataclass(frozen=True)
class Generation:
    """The pages cached since content last changed."""

    token: str
    started_at: float
    #: When the next scheduled article goes live (a Unix time), or None when none is waiting.
    next_publish_at: float | None

    def is_current(self, now):
        return self.next_publish_at is None or now < self.next_publish_at


def start_generation(now=None):
    """A new generation, and when the soonest scheduled article will end it."""
    from ..models import Article

    now = now or timezone.now().timestamp()
    next_publish_at = Article.objects.scheduled().aggregate(soonest=Min("publish_at"))["soonest"]
    generation = Generation(
        token=secrets.token_hex(8),
        started_at=now,
        next_publish_at=next_publish_at.timestamp() if next_publish_at else None,
    )
    cache.set(GENERATION_KEY, generation, timeout=None)
    local_cache.set(GENERATION_KEY, generation, LOCAL_GENERATION_SECONDS)
    return generation


def current_generation():
    """The generation in force: this worker's copy if recent, else the shared one, else new."""
    now = timezone.now().timestamp()
    generation = local_cache.get(GENERATION_KEY)
    if generation is None or not generation.is_current(now):
        generation = cache.get(GENERATION_KEY)
        if generation is None or not generation.is_current(now):
            return start_generation(now)
        local_cache.set(GENERATION_KEY, generation, LOCAL_GENERATION_SECONDS)
    return generation


def stored_page(key, generation):
    """The page stored under `key` for `generation`, from this worker's memory or else from
    the shared cache (and then kept in this worker's memory too); None if there is none."""
    stored = local_cache.get(key)
    if stored is None or stored[0] != generation.token:
        stored = cache.get(key)
        if stored is None or stored[0] != generation.token:
            return None
        local_cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
    return stored


def store_page(key, generation, response):
    stored = (generation.token, response.content, dict(response.items()))
    cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
    local_cache.set(key, stored, settings.PAGE_CACHE_SECONDS)


class GenerationAfterCommit:
    """Starts one new generation when a transaction commits, however many changes it made.

    Each change registers a numbered `transaction.on_commit` callback (callbacks of a rolled-back
    transaction or savepoint are dropped by Django and never run). The first callback of a
    commit starts the generation and notes the last number scheduled so far; the later ones of
    the same commit find their number covered and do nothing. Transactions belong to a thread,
    and so do the numbers.
    """

    def __init__(self):
        self.numbers = threading.local()

    def schedule(self):
        number = self.numbers.scheduled = getattr(self.numbers, "scheduled", 0) + 1
        # Outside a transaction, on_commit runs the callback at once.
        transaction.on_commit(partial(self.run, number), robust=True)

    def run(self, number):
        if number <= getattr(self.numbers, "started_through", 0):
            return
        self.numbers.started_through = self.numbers.scheduled
        start_generation()


generation_after_commit = GenerationAfterCommit()


def forget_cached_pages():
    """Content changed: no page or fragment cached so far is served again.

    The generation is forgotten at once, and a new one is started when the transaction commits
    (once per transaction, however many rows it saved): a reader who asks in between cannot
    file the old content under a generation that outlives the change, and the first reader
    after the commit finds the new generation ready, without a query.
    """
    cache.delete(GENERATION_KEY)
    local_cache.delete(GENERATION_KEY)
    generation_after_commit.schedule()


def uncached_prefixes():
    """Paths (after any script prefix) never cached, whoever asks: the admin and its helpers,
    and uploaded media."""
    return tuple(
        f"/{url.lstrip('/')}" for url in (settings.ADMIN_URL, "_nested_admin/", settings.MEDIA_URL)
    )


def is_cacheable_request(request, uncached_prefixes):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path_info.startswith(uncached_prefixes)
    )


def page_key(request, host):
    """The cache key of the page `request` asks for on `host` (validated), and whether the
    request is exactly that page: no query parameter but those pages read, each once."""
    known = sorted(
        (name, request.GET[name]) for name in CACHED_QUERY_PARAMETERS if name in request.GET
    )
    exact = len(known) == len(request.GET) and all(
        len(request.GET.getlist(name)) == 1 for name, _ in known
    )
    address = f"{request.scheme}://{host}{request.path}?{urlencode(known)}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return PAGE_KEY.format(digest=digest), exact


def is_own_port(request, host):
    """True unless the Host header names a port other than the one the request came in on."""
    try:
        port = urlsplit(f"//{host}").port
    except ValueError:
        return False
    return port is None or str(port) == request.get_port()


def is_cacheable_response(response):
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
    )


class AnonymousPageCacheMiddleware:
    """Serve anonymous readers whole pages from the cache (see the module docstring).

    Placed before the session and authentication middleware, so a page served from the cache
    costs no database query, and usually no round trip to the shared cache either.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.uncached_prefixes = uncached_prefixes()

    def __call__(self, request):
        if not is_cacheable_request(request, self.uncached_prefixes):
            return self.get_response(request)
        # Before any cached answer: raises DisallowedHost (a 400) for a host not allowed.
        host = request.get_host()
        if not is_own_port(request, host):
            return self.get_response(request)
        key, exact = page_key(request, host)
        try:
            generation = current_generation()
        except DatabaseError:
            # The views answer for an unreachable database (the 503 page).
            return self.get_response(request)
        stored = stored_page(key, generation)
        if stored is not None:
            _, content, headers = stored
            return HttpResponse(content, headers=headers)
        response = self.get_response(request)
        if exact and is_cacheable_response(response):
            self.prepare_for_reuse(response, generation)
            store_page(key, generation, response)
        return response

    @staticmethod
    def prepare_for_reuse(response, generation):
        """Validators for conditional GET; browsers and proxies revalidate every time, so a
        publish shows at once, and a revalidation of an unchanged page is a 304."""
        set_response_etag(response)
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(generation.started_at)
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
