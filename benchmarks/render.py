"""
Benchmark of the demo article page's full render (issue 17, item 6): CPU milliseconds per
request, in-process, with the fragment cache off as well as on.

    .venv/bin/python benchmarks/render.py          # or: make bench

Everything is throwaway and local: a SQLite database, media and collected static files in a
temporary directory, the demo content loaded by `load_demo`, the page cache off
(`DJANGO_PAGE_CACHE_SECONDS=0`), `DJANGO_DEBUG=0` (the cached template loader, the hashed
static files), the local-memory cache. Django's test client sends each request through the
whole middleware stack; `time.process_time` over RENDERS requests, after a warm-up, gives the
CPU each one costs this process (SQLite's work included, as it runs in the process).

Three figures, each with its ratio to the static copy:
- the full render: the fragment cache off (its timeout 0, as for a preview), so every request
  reads the article's parts and renders them, the cost every cache flush pays;
- the page with its fragments cached (the usual case between two edits);
- the page's own HTML served as a static file by whitenoise from the same stack (the
  yardstick of benchmarks/pages.py).

The target is a full render under 10 ms of CPU. It is printed as met or missed; the exit
status stays 0 so that `make bench` goes on to the other benchmarks.
"""

import os
import statistics
import sys
import time
from unittest import mock

from _throwaway import run_on_throwaway_site

ARTICLE = "/articles/magnesium-glycinate-nerve-conduction/"
STATIC_COPY = "bench/article.html"
RENDERS = int(os.environ.get("BENCH_RENDERS", "50"))
WARM_UP = 5
ROUNDS = 3
TARGET_MS = 10.0


def cpu_ms_per_request(client, url, count=RENDERS):
    """The median over ROUNDS of the CPU milliseconds one GET of `url` costs."""
    for _ in range(WARM_UP):
        response = client.get(url, secure=True)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}, not 200.")
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(count):
            client.get(url, secure=True)
        rounds.append((time.process_time() - started) / count * 1000)
    return statistics.median(rounds)


def main():
    run_on_throwaway_site(measure, prefix="hsl-bench-render-", DJANGO_PAGE_CACHE_SECONDS="0")


def measure(workdir):
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.site import views

    call_command("load_demo", verbosity=0)

    with mock.patch.object(views, "FRAGMENT_CACHE_SECONDS", 0):
        client = Client()
        html = client.get(ARTICLE, secure=True).content
        with CaptureQueriesContext(connection) as queries:
            client.get(ARTICLE, secure=True)
        # Counted now: every request clears the connection's query log.
        query_count = len(queries)
        full = cpu_ms_per_request(client, ARTICLE)
    cached = cpu_ms_per_request(Client(), ARTICLE)

    # A new client builds its middleware afresh: whitenoise then finds the copy.
    copy = workdir / "static" / STATIC_COPY
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(html)
    static = cpu_ms_per_request(Client(), f"/static/{STATIC_COPY}")

    print(f"demo article {ARTICLE}: {len(html) / 1024:.0f} KB of HTML")
    print(f"{'':32} {'CPU ms/request':>15} {'static/page':>12}")
    rows = [
        (f"full render ({query_count} queries)", full),
        ("fragments cached", cached),
        ("static copy (whitenoise)", static),
    ]
    for label, ms in rows:
        print(f"{label:32} {ms:15.2f} {static / ms:12.2f}")
    verdict = "met" if full < TARGET_MS else "MISSED"
    print(f"target: a full render under {TARGET_MS:.0f} ms of CPU: {verdict} ({full:.1f} ms)")


if __name__ == "__main__":
    main()
