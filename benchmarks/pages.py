"""
Benchmark of the public pages (issue 8): requests per second on a production-like server.

    .venv/bin/python benchmarks/pages.py           # or: make bench
    BENCH_DURATION=3 BENCH_ARTICLES=1000 .venv/bin/python benchmarks/pages.py   # a quick trial

The site runs as production runs it: `DJANGO_DEBUG=0`, gunicorn with one sync worker per core,
whitenoise serving the collected static files, Redis (`redis://127.0.0.1:6379/14`, flushed
before each run) as the cache, and PostgreSQL: a throwaway database `hsl_bench_pages` on
DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432), dropped at the end. It holds
the demo content and 10,000 generated published articles (the generator of `export.py`).

The yardstick is the demo article page's own HTML, copied into the static files before
gunicorn starts and served by whitenoise from the same gunicorn: every page is reported as a
ratio of its requests per second to that static file's. wrk drives each address for
BENCH_DURATION seconds (10) at BENCH_CONNECTIONS connections (two per worker), after a short
warm-up; any answer other than 2xx, or a socket error, fails the run. Two gunicorn starts:
`DJANGO_PAGE_CACHE_SECONDS=0` (the page cache off: the article, the list, the home page and
search) and `=300` (on, for anonymous readers: the article).

In-process, on the same database: the SQL queries each page runs, 200 searches for varied
terms evaluated as the search view does (count and first page), their p50 and p95, and the
query plans of two searches, to see whether the GIN index on the search vector is used.

Exit status 1 when a target is missed: the article at least 0.1 of static with the page cache
off, 0.8 with it on; search p50 under 30 ms; the GIN index used to find a rare term. Ctrl-C
stops gunicorn and removes the database and the temporary files.
"""

import contextlib
import io
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from export import close_connections, fill, throwaway_database

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "hsl_bench_pages"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
WORKERS = len(os.sched_getaffinity(0))  # what `nproc` prints
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", str(2 * WORKERS)))
WARM_UP_SECONDS = 2
#: Generated articles; BENCH_ARTICLES=1000 makes a quick trial run.
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "10000"))

ARTICLE = "/articles/magnesium-glycinate-nerve-conduction/"
STATIC_COPY = "bench/article.html"
STATIC = f"/static/{STATIC_COPY}"
PAGES_CACHE_OFF = {
    "article": ARTICLE,
    "list": "/articles/",
    "home": "/",
    "search": "/search/?q=magnesium",
}
PAGES_CACHE_ON = {"article": ARTICLE}

#: 20 terms x 10 rounds: words every generated article has, rarer ones, phrases, negations,
#: words only the demo articles have, and words nothing has.
SEARCH_TERMS = [
    "magnesium",
    "sleep",
    "magnesium glycinate",
    "nerve conduction",
    '"nerve conduction"',
    "enzyme reactions",
    "muscles relax",
    "café",
    "part 4242",
    "part 17",
    "recommended amount",
    "absorbs",
    "before bed",
    "trials",
    "magnesium -sleep",
    "glycinate or citrate",
    "brain plasticity",
    "cognitive resilience",
    "zinc",
    "vitamin b12 deficiency",
]
SEARCH_ROUNDS = 10
RARE_TERM = "nerve conduction"  # only the demo article
SEARCH_INDEX = "article_search_vector_gin"  # created by articles/migrations/0006_reader_site.py

MIN_ARTICLE_RATIO_CACHE_OFF = 0.1
MIN_ARTICLE_RATIO_CACHE_ON = 0.8
MAX_SEARCH_P50_MS = 30

#: wrk reports one line: requests, requests/s, p50 in ms, answers other than 2xx, socket errors.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then not_2xx = not_2xx + 1 end
end
function done(summary, latency, requests)
  local not_2xx = 0
  for _, thread in ipairs(threads) do not_2xx = not_2xx + thread:get("not_2xx") end
  local e = summary.errors
  io.write(string.format("RESULT %d %.1f %.2f %d %d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, not_2xx,
    e.connect + e.read + e.write + e.timeout))
end
"""


class BenchError(Exception):
    """The benchmark cannot run or measure; the message says why, in one line."""


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.path.insert(0, str(ROOT))
    import dj_database_url

    server = dj_database_url.config(default=DEFAULT_SERVER)
    if "postgresql" not in server["ENGINE"]:
        raise BenchError("needs PostgreSQL: set DATABASE_URL to a postgres:// URL (or unset it)")
    wrk = find_wrk()
    check_redis()
    port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="hsl-bench-pages-") as folder,
        throwaway_database(server, BENCH_DATABASE) as (url, _),
    ):
        configure_environment(url, Path(folder))
        queries = prepare_site(port)
        searches = time_searches()
        plans = explain_searches()
        close_connections()
        script = Path(folder) / "result.lua"
        script.write_text(WRK_SCRIPT)
        results = {}
        for seconds, pages in ((0, PAGES_CACHE_OFF), (300, PAGES_CACHE_ON)):
            cache = "on" if seconds else "off"
            flush_redis()
            with gunicorn(port, seconds, Path(folder)) as (base, pid):
                # The static file is measured again just before each page, and each page is
                # compared with that run: the machine's speed drifts between runs.
                for name, path in pages.items():
                    results["static", name, cache] = measure(wrk, script, base + STATIC, pid)
                    results[name, cache] = measure(wrk, script, base + path, pid)
    return report(results, queries, searches, plans)


def find_wrk():
    """wrk's path, installed with apt-get when missing (as benchmarks/load.sh does)."""
    if not shutil.which("wrk"):
        print("installing wrk (apt-get)")
        apt = ["apt-get", "install", "-y", "-qq", "wrk"]
        quiet = {
            "stdout": subprocess.DEVNULL,
            "stderr": subprocess.DEVNULL,
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        }
        if subprocess.run(apt, **quiet).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(apt, **quiet)
    if not shutil.which("wrk"):
        raise BenchError("wrk is missing and apt-get could not install it: apt-get install wrk")
    return shutil.which("wrk")


def check_redis():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        raise BenchError(f"needs Redis at {REDIS_URL}: {error}") from None


def flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure_environment(url, folder):
    """Production settings, for this process and gunicorn alike, and nothing from the caller's
    shell (a replica, S3, a CDN): the same variables as benchmarks/load.sh, plus Redis."""
    for name in list(os.environ):
        if re.match(r"(DJANGO_|HSL_|DATABASE_)|(CACHE_URL|REDIS_URL)$", name):
            del os.environ[name]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hslhealing.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=f"bench-pages-{secrets.token_urlsafe(48)}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SSL_REDIRECT="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="0",
        DJANGO_SECURE_COOKIES="0",
        DATABASE_URL=url,
        REDIS_URL=REDIS_URL,
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
        DJANGO_LOG_LEVEL="WARNING",
        # In this process the views are measured, never the page cache.
        DJANGO_PAGE_CACHE_SECONDS="0",
    )


def prepare_site(port):
    """Migrate, collect static files, add the content, copy the article's HTML into the static
    files; return the SQL queries each page runs."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    # The generator makes the category and people the demo content then reuses (by slug), so
    # it comes first: the other way round its `Category.objects.get()` finds two.
    fill(0, ARTICLES)
    call_command("load_demo", stdout=io.StringIO())
    # bulk_create sends no post_save, so the generated articles have no search vector yet.
    Article.objects.filter(search_vector=None).update_search_vectors()
    # The planner's statistics after the bulk insert, as autovacuum's ANALYZE makes them on a
    # live site. (The search index has no pending list to merge: migration 0008.)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = Article.objects.published().count()
    print(f"hslhealing page benchmark: {total:,} published articles on PostgreSQL, ", end="")
    print(f"{WORKERS} gunicorn workers, wrk {DURATION} s at {CONNECTIONS} connections a page")
    print(f"  site ready in {time.perf_counter() - started:.1f} s")

    client = Client(HTTP_HOST=f"127.0.0.1:{port}")  # the Host wrk sends, so the same HTML
    queries = {}
    for path in PAGES_CACHE_OFF.values():
        client.get(path)  # the second request shows the steady state
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise BenchError(f"{path} answered {response.status_code} in-process")
        queries[path] = len(captured)
        if path == ARTICLE:
            copy = Path(os.environ["DJANGO_STATIC_ROOT"]) / STATIC_COPY
            copy.parent.mkdir()
            copy.write_bytes(response.content)
    return queries


def time_searches():
    """Milliseconds of each search, evaluated as the search view does: the count and page 1."""
    from django.core.paginator import Paginator

    from articles.models import Article
    from articles.site.search import clean_query, search_articles
    from articles.site.views import PAGE_SIZE

    def search(term):
        articles = search_articles(Article.objects.published().for_listing(), clean_query(term))
        page = Paginator(articles, PAGE_SIZE).get_page(1)
        return page.paginator.count, list(page.object_list)

    matches = {term: search(term)[0] for term in SEARCH_TERMS}  # also warms up
    timings = {term: [] for term in SEARCH_TERMS}
    for _ in range(SEARCH_ROUNDS):
        for term in SEARCH_TERMS:
            started = time.perf_counter()
            search(term)
            timings[term].append((time.perf_counter() - started) * 1000)
    return matches, timings


def explain_searches():
    """The query plan of page 1 of a search for a rare term (the index should find its one
    match) and for a term every article has (reading the whole table is then right)."""
    from articles.models import Article
    from articles.site.search import search_articles
    from articles.site.views import PAGE_SIZE

    listing = Article.objects.published().for_listing()
    return {
        term: search_articles(listing, term)[:PAGE_SIZE].explain()
        for term in (RARE_TERM, "magnesium")
    }


@contextlib.contextmanager
def gunicorn(port, page_cache_seconds, folder):
    """Serve the site on 127.0.0.1:`port` as production does; yield its base URL and pid."""
    base = f"http://127.0.0.1:{port}"
    log = folder / f"gunicorn-cache-{page_cache_seconds}.log"
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "hslhealing.wsgi",
        f"--workers={WORKERS}",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        f"--error-logfile={log}",
        "--capture-output",
    ]
    env = {**os.environ, "DJANGO_PAGE_CACHE_SECONDS": str(page_cache_seconds)}
    # Its own session: Ctrl-C reaches this script, which stops gunicorn below.
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_until_serving(server, base + STATIC, log)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_until_serving(server, url, log):
    for _ in range(120):
        if server.poll() is not None:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise BenchError(f"gunicorn exited with status {server.returncode}:\n{tail}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    raise BenchError(f"gunicorn did not answer {url} within 60 s")


def measure(wrk, script, url, pid):
    """Warm up, then drive `url`; return (requests/s, p50 ms, gunicorn's CPU ms per request)."""
    run_wrk(wrk, script, url, WARM_UP_SECONDS)
    cpu_before = cpu_seconds(pid)
    requests, rate, p50, not_2xx, socket_errors = run_wrk(wrk, script, url, DURATION)
    cpu = cpu_seconds(pid) - cpu_before
    if not_2xx or socket_errors:
        raise BenchError(f"{url}: {not_2xx} answers other than 2xx, {socket_errors} socket errors")
    return rate, p50, cpu * 1000 / requests


def run_wrk(wrk, script, url, seconds):
    threads = min(WORKERS, CONNECTIONS)
    command = [wrk, f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout=10s"]
    output = subprocess.run(
        [*command, "-s", str(script), url], capture_output=True, text=True, check=True
    ).stdout
    fields = next(line for line in output.splitlines() if line.startswith("RESULT")).split()[1:]
    return int(fields[0]), float(fields[1]), float(fields[2]), int(fields[3]), int(fields[4])


def cpu_seconds(pid):
    """User and system CPU time so far of process `pid` and its children (gunicorn's workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # After the command name in brackets: state, ppid, ... utime (12th), stime (13th).
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if str(pid) in (stat.parent.name, fields[1]):
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def report(results, queries, searches, plans):
    failures = []
    print()
    print(
        "| page | cache | requests/s | ratio to static | p50 latency | CPU per request | queries |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for cache, pages in (("off", PAGES_CACHE_OFF), ("on", PAGES_CACHE_ON)):
        for name, path in pages.items():
            static_rate, static_p50, static_cpu = results["static", name, cache]
            print(
                f"| static `{STATIC}` (before {name}) | {cache} | {static_rate:,.0f} | 1.00 "
                f"| {static_p50:.1f} ms | {static_cpu:.1f} ms | – |"
            )
            rate, p50, cpu = results[name, cache]
            shown_queries = queries[path] if cache == "off" else "–"
            print(
                f"| {name} `{path}` | {cache} | {rate:,.0f} | {rate / static_rate:.2f} "
                f"| {p50:.1f} ms | {cpu:.1f} ms | {shown_queries} |"
            )
    for cache, minimum in (
        ("off", MIN_ARTICLE_RATIO_CACHE_OFF),
        ("on", MIN_ARTICLE_RATIO_CACHE_ON),
    ):
        ratio = results["article", cache][0] / results["static", "article", cache][0]
        if ratio < minimum:
            failures.append(f"article page with the page cache {cache}: {ratio:.2f} < {minimum}")

    matches, timings = searches
    every = [ms for term_timings in timings.values() for ms in term_timings]
    percentiles = statistics.quantiles(every, n=100)
    p50, p95 = percentiles[49], percentiles[94]
    print()
    print(f"Search on PostgreSQL, {len(every)} searches of {len(timings)} terms (count + page 1):")
    print(f"p50 {p50:.1f} ms, p95 {p95:.1f} ms. Slowest terms (median):")
    slowest = sorted(timings, key=lambda term: -statistics.median(timings[term]))[:3]
    for term in slowest:
        print(f"  {term!r}: {statistics.median(timings[term]):.1f} ms, {matches[term]:,} matches")
    if p50 >= MAX_SEARCH_P50_MS:
        failures.append(f"search p50 {p50:.1f} ms >= {MAX_SEARCH_P50_MS} ms")

    print()
    for term, plan in plans.items():
        verdict = "uses" if SEARCH_INDEX in plan else "does not use"
        print(f"EXPLAIN search {term!r} ({matches[term]:,} matches): {verdict} {SEARCH_INDEX}")
        lines = plan.splitlines()
        for line, following in zip(lines, [*lines[1:], ""], strict=True):
            if "Scan" in line and ("on articles_article " in line or SEARCH_INDEX in line):
                print(f"    {line.strip()}")
                if re.match(r"\s*(Filter|Recheck Cond|Index Cond):", following):
                    print(f"      {following.strip()}")
    if SEARCH_INDEX not in plans[RARE_TERM]:
        failures.append(f"a search for {RARE_TERM!r} does not use the index {SEARCH_INDEX}")
    print()
    print(
        f"Targets: article >= {MIN_ARTICLE_RATIO_CACHE_OFF} of static with the page cache off, "
        f">= {MIN_ARTICLE_RATIO_CACHE_ON} with it on; search p50 < {MAX_SEARCH_P50_MS} ms; "
        f"the GIN index used for a rare term."
    )
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    if not failures:
        print("Targets met.")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"pages benchmark: {error}")
    except KeyboardInterrupt:
        sys.exit(130)
