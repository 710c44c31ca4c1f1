"""
Benchmark of flat cost (issue 17): every public page and admin list at two library sizes.

    .venv/bin/python benchmarks/scale.py                       # or: make bench
    HSL_BENCH_SCALE_SIZES=10000,50000 .venv/bin/python benchmarks/scale.py

For each size (default 10,000 and 100,000 published articles) it keeps a PostgreSQL database
`hsl_bench_<size>` on DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432). The
first run builds it with bulk_create (the larger copied from the smaller as a template, then
filled up): ten categories, fifty tags, three contributors, one reference per ten articles,
and per article three sections, a study, three citations, two tags and a related article,
the search vector written in one UPDATE; and one big article for the admin's change page (60
sections, 20 studies, 2 RDA tables, 30 citations: change_page.py's). Later runs reuse it:
`migrate` brings it to the current migrations (a no-op when it is), and the fill resumes where
it stopped. Drop the databases to build them again.

Each size is served by a child process of its own (settings are per process), in-process with
Django's test Client rather than through gunicorn: no ports, no wrk, and the figures are the
server's own time per request, views, templates and SQL, with DEBUG off, the page cache off
(`DJANGO_PAGE_CACHE_SECONDS=0`) and the cache in local memory. The article page's fragments and
the sitemap pages are cached as in production after the first request; "built" rows clear the
cache before every request. Each address is requested `BENCH_SCALE_ROUNDS` times (30) after
one warm-up, the two sizes taking turns request by request, so that the load of the shared
machine weighs on both alike; the table gives p50 and p99 in milliseconds and the growth from
the small size to the large. Exit status 1 when a growth is above `MAX_GROWTH` (1.3) at p50.
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = tuple(int(n) for n in os.environ.get("HSL_BENCH_SCALE_SIZES", "10000,100000").split(","))
ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "30"))
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
MAX_GROWTH = 1.3
BATCH = 5_000
CATEGORIES = 10
TAGS = 50
BODY = (
    "<p>Magnesium takes part in more than three hundred enzyme reactions, among them the ones "
    "that let nerves fire and muscles relax.</p><p>Most adults eat less than the recommended "
    "amount; <strong>glycinate</strong> is one of the forms the gut absorbs best.</p>"
)
#: Words some articles have and most do not, so searches of every selectivity are measured.
TOPICS = ["sleep", "zinc", "iron", "selenium", "iodine", "vitamin", "omega", "calcium"]


#: Stands in the addresses for the big article's id, which only the child knows.
BIG_ARTICLE = "<big-article>"
BIG_ARTICLE_SLUG = "bench-big-article"


def pages(size):
    """The addresses measured: (label, path, clear the cache before each request)."""
    last_list_page = 9999  # a page past the end shows the last one a list offers
    return [
        ("home", "/", False),
        ("list, first page", "/articles/", False),
        ("list, last page", f"/articles/?page={last_list_page}", False),
        ("category, first page", "/categories/category-0/", False),
        ("category, last page", f"/categories/category-0/?page={last_list_page}", False),
        ("tag", "/tags/tag-0/", False),
        ("article (fragments cached)", f"/articles/bench-article-{size // 2}/", False),
        ("article (built)", f"/articles/bench-article-{size // 2}/", True),
        ("search, every article matches", "/search/?q=magnesium", False),
        ("search, last page", f"/search/?q=magnesium&page={last_list_page}", False),
        ("search, one in eight", "/search/?q=zinc", False),
        ("search, one article", f"/search/?q={size // 3}", False),
        ("contributor, author of all", "/contributors/bench-amelia-hart/", False),
        ("contributor, reviewer of two in three", "/contributors/bench-ana-ruiz/", False),
        (
            "contributor's articles, last page",
            f"/contributors/bench-amelia-hart/written/?page={last_list_page}",
            False,
        ),
        ("sitemap index", "/sitemap.xml", False),
        ("sitemap section (cached)", "/sitemap-articles.xml?p=1", False),
        ("sitemap section (built)", "/sitemap-articles.xml?p=1", True),
        ("feed", "/feed/", False),
        ("admin: articles", "/admin/articles/article/", False),
        ("admin: articles, deep page", f"/admin/articles/article/?p={size // 100 - 1}", False),
        ("admin: articles, published", "/admin/articles/article/?status__exact=published", False),
        ("admin: articles, by title", "/admin/articles/article/?o=1", False),
        ("admin: articles, search", f"/admin/articles/article/?q=part+{size // 3}", False),
        ("admin: references", "/admin/references/reference/", False),
        ("admin: references, search", f"/admin/references/reference/?q=study+{size // 30}", False),
        (
            "admin: big article's change page",
            f"/admin/articles/article/{BIG_ARTICLE}/change/",
            False,
        ),
    ]


def main():
    server = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    base = server.rsplit("/", 1)[0]
    children = {}
    with tempfile.TemporaryDirectory(prefix="hsl-bench-scale-") as folder:
        previous = None
        try:
            for size in SIZES:
                database = f"hsl_bench_{size // 1000}k"
                # Built one after the other (the larger is copied from the smaller).
                children[size] = start_child(
                    size, database, previous, environment(f"{base}/{database}", Path(folder))
                )
                previous = database
            results = measure_interleaved(children)
        finally:
            for process in children.values():
                process.stdin.close()
                process.wait()
    return report(results)


def start_child(size, database, template, env):
    """A child process serving requests on one database, once it says it is ready."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(size), database, template or ""],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = process.stdout.readline()
    if not ready:
        raise SystemExit(f"the {size:,}-article child failed (see above)")
    print(ready.rstrip())
    return process


def measure_interleaved(children):
    """Time every address at every size, alternating sizes request by request, so a change of
    load on the shared machine falls on both sizes alike."""
    results = {size: {} for size in children}
    labels = {size: pages(size) for size in children}
    for index, (label, _path, _cold) in enumerate(labels[SIZES[0]]):
        timings = {size: [] for size in children}
        for round_number in range(ROUNDS + 1):
            for size, process in children.items():
                _label, path, cold = labels[size][index]
                process.stdin.write(json.dumps({"path": path, "cold": cold}) + "\n")
                process.stdin.flush()
                answer = json.loads(process.stdout.readline())
                if answer["status"] != 200:
                    raise SystemExit(f"{size:,}: {path} answered {answer['status']}")
                if round_number:  # the first request warms up
                    timings[size].append(answer["ms"])
        for size, measured in timings.items():
            measured.sort()
            results[size][label] = {
                "p50": statistics.median(measured),
                "p99": measured[min(len(measured) - 1, round(0.99 * (len(measured) - 1)))],
                "bytes": answer["bytes"] if size == SIZES[-1] else 0,
            }
    return results


def environment(url, folder):
    """Production settings for the child, nothing from the caller's shell but the server."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "HSL_", "DATABASE_", "CACHE_URL", "REDIS_URL"))
    }
    return {
        **kept,
        "DJANGO_SETTINGS_MODULE": "hslhealing.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": f"bench-scale-{secrets.token_urlsafe(48)}",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": url,
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_PAGE_CACHE_SECONDS": "0",
    }


def child(size, database, template):
    """Build or reuse the database of `size` articles, say so, then answer requests: one JSON
    line in ({"path", "cold"}), one out ({"ms", "status", "bytes"}), until stdin closes."""
    prepare_database(database, template)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache, caches
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    fill(size)
    big_article = add_big_article()
    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    editor, anonymous = Client(), Client()
    editor.force_login(user)
    # Let go of the database until the first request: the next size may be copied from it,
    # which PostgreSQL allows only while nobody is connected.
    connections.close_all()
    print(f"  {database}: {size:,} articles ready in {time.perf_counter() - started:.0f} s")
    sys.stdout.flush()
    for line in sys.stdin:
        asked = json.loads(line)
        if asked["cold"]:
            cache.clear()
            caches["local"].clear()
        path = asked["path"].replace(BIG_ARTICLE, str(big_article.pk))
        browser = editor if path.startswith("/admin/") else anonymous
        started = time.perf_counter()
        response = browser.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        answer = {"ms": elapsed, "status": response.status_code, "bytes": len(response.content)}
        print(json.dumps(answer), flush=True)


def prepare_database(database, template):
    """Create `database` unless it exists: a copy of `template` (a smaller size) if given."""
    import psycopg2

    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cursor.fetchone():
                return
            copy = f' TEMPLATE "{template}"' if template else ""
            cursor.execute(f'CREATE DATABASE "{database}"{copy}')
    finally:
        connection.close()


def add_big_article():
    """The big article of benchmarks/change_page.py, made once."""
    from change_page import BIG, build_article

    from articles.models import Article

    found = Article.objects.filter(slug=BIG_ARTICLE_SLUG).first()
    return found or build_article(BIG_ARTICLE_SLUG, **BIG)


def fill(size):
    """Add generated published articles until there are `size` of them."""
    import datetime
    import itertools

    from django.db import connection
    from django.utils import timezone

    from articles.models import (
        Article,
        Category,
        Citation,
        Contributor,
        RelatedArticle,
        Section,
        Study,
        Tag,
        count_words,
    )
    from references.models import Reference

    if not Category.objects.filter(slug="category-0").exists():
        Category.objects.bulk_create(
            Category(name=f"Category {n}", slug=f"category-{n}") for n in range(CATEGORIES)
        )
        Tag.objects.bulk_create(Tag(name=f"Tag {n}", slug=f"tag-{n}") for n in range(TAGS))
        Contributor.objects.bulk_create(
            Contributor(name=name, slug=slug, credentials=credentials)
            for name, slug, credentials in [
                ("Ana Ruiz", "bench-ana-ruiz", "RDN"),
                ("Amelia Hart", "bench-amelia-hart", "MD"),
                ("Ben Ode", "bench-ben-ode", "PhD"),
            ]
        )
    generated = Article.objects.filter(slug__startswith="bench-article-")
    start = generated.count()
    if start >= size:
        return
    references_wanted = size // 10
    have = Reference.objects.filter(title__startswith="Bench study ").count()
    Reference.objects.bulk_create(
        (
            Reference(
                title=f"Bench study {n}",
                url=f"https://pubmed.ncbi.nlm.nih.gov/{30000000 + n}/",
                normalized_url=f"https://pubmed.ncbi.nlm.nih.gov/{30000000 + n}/",
                site="pubmed.ncbi.nlm.nih.gov",
            )
            for n in range(have, references_wanted)
        ),
        batch_size=BATCH,
    )
    categories = list(Category.objects.filter(slug__startswith="category-"))
    author, reviewer, _third = Contributor.objects.filter(slug__startswith="bench-").order_by(
        "slug"
    )
    tag_ids = list(Tag.objects.filter(slug__startswith="tag-").values_list("pk", flat=True))
    reference_ids = list(
        Reference.objects.filter(title__startswith="Bench study ").values_list("pk", flat=True)
    )
    now = timezone.now()
    today = timezone.localdate()
    Tagging = Article.tags.through
    finding = "Sleep came 17 minutes sooner in older adults."
    for first in range(start, size, BATCH):
        numbers = range(first, min(first + BATCH, size))
        articles = Article.objects.bulk_create(
            Article(
                title=f"Magnesium and {TOPICS[n % len(TOPICS)]}, part {n}",
                slug=f"bench-article-{n}",
                standfirst=f"What the trials say about magnesium and {TOPICS[n % len(TOPICS)]}.",
                word_count=count_words(BODY) * 3,
                category=categories[n % len(categories)],
                author=author,
                medical_reviewer=reviewer if n % 3 else None,
                reviewed_on=today - datetime.timedelta(days=n % 1000) if n % 3 else None,
                status=Article.Status.PUBLISHED,
                featured=n % 500 == 0,
                publish_at=now - datetime.timedelta(minutes=size - n),
            )
            for n in numbers
        )
        sections = Section.objects.bulk_create(
            Section(article=article, position=p, heading=f"Part {n}-{p}", body=BODY)
            for n, article in zip(numbers, articles, strict=True)
            for p in range(3)
        )
        Study.objects.bulk_create(
            Study(section=section, authors="Abbasi et al.", year=2012, finding=finding)
            for section in sections[::3]
        )
        Citation.objects.bulk_create(
            Citation(
                article=article,
                reference_id=reference_ids[(n * 3 + j) % len(reference_ids)],
                position=j,
            )
            for n, article in zip(numbers, articles, strict=True)
            for j in range(3)
        )
        Tagging.objects.bulk_create(
            Tagging(article=article, tag_id=tag_ids[(n + j * 7) % len(tag_ids)])
            for n, article in zip(numbers, articles, strict=True)
            for j in range(2)
        )
        RelatedArticle.objects.bulk_create(
            RelatedArticle(article=article, related=previous)
            for previous, article in itertools.pairwise(articles)
        )
        with connection.cursor() as cursor:
            # What update_search_vector writes, for the whole batch in one statement.
            cursor.execute(
                """
                UPDATE articles_article AS a SET search_vector =
                    setweight(to_tsvector('english', a.title), 'A')
                    || setweight(to_tsvector('english', a.standfirst), 'B')
                    || setweight(to_tsvector('english', s.text), 'C')
                FROM (
                    SELECT article_id, string_agg(
                        heading || ' ' || regexp_replace(body, '<[^>]*>', ' ', 'g'), ' '
                        ORDER BY position) AS text
                    FROM articles_section WHERE article_id BETWEEN %s AND %s
                    GROUP BY article_id
                ) AS s
                WHERE s.article_id = a.id
                """,
                [articles[0].pk, articles[-1].pk],
            )
        print(f"    {numbers.stop:,} articles", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def report(results):
    small, large = SIZES
    s, lg = f"{small // 1000}k", f"{large // 1000}k"
    print()
    print(
        f"| page | p50 {s} | p50 {lg} | growth p50 | p99 {s} | p99 {lg} | growth p99 | size {lg} |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    missed = []
    for label in results[small]:
        a, b = results[small][label], results[large][label]
        p50, p99 = b["p50"] / a["p50"], b["p99"] / a["p99"]
        print(
            f"| {label} | {a['p50']:.1f} ms | {b['p50']:.1f} ms | {p50:.2f}× "
            f"| {a['p99']:.1f} ms | {b['p99']:.1f} ms | {p99:.2f}× | {b['bytes'] / 1024:.0f} KB |"
        )
        if p50 > MAX_GROWTH:
            missed.append(f"{label}: {p50:.2f}× at p50")
    print()
    for line in missed:
        print(f"TARGET MISSED (growth above {MAX_GROWTH}×): {line}")
    if not missed:
        print(f"Every page within {MAX_GROWTH}× at p50.")
    return 1 if missed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        size, database, template = sys.argv[2:5]
        child(int(size), database, template or None)
    else:
        sys.exit(main())
