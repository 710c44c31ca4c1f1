"""
Benchmark of the staff exports (`manage.py export_articles`): speed and memory at 10k and 100k.

    .venv/bin/python benchmarks/export.py          # or: make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hslhealing make bench

It never touches the project's database. With a PostgreSQL DATABASE_URL it creates a throwaway
database `hsl_bench_export` on the same server (dropped at the end); otherwise it uses a
temporary SQLite file. It fills it with 10,000 articles, each with three sections, a study,
three citations (one reference in ten has a broken or unreachable link), two tags and a
related article; exports every format; adds articles up to 100,000 and exports again.

For each format and size it prints the rows per second (a plain run) and the peak of Python
memory allocated during the export (a second run under tracemalloc), then the ratio of the
peaks at 100k and 10k. Exit status 1 when a target is missed: the ratio above 1.2, or CSV
below 20,000 rows a second on PostgreSQL.
"""

import datetime
import itertools
import os
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Numbers of articles; HSL_BENCH_SIZES=1000,10000 makes a quick trial run.
SIZES = tuple(int(n) for n in os.environ.get("HSL_BENCH_SIZES", "10000,100000").split(","))
FORMATS = ("csv", "xlsx", "json")
BENCH_DATABASE = "hsl_bench_export"
MAX_PEAK_RATIO = 1.2
MIN_CSV_ROWS_PER_SECOND_ON_POSTGRES = 20_000
BATCH = 5_000
BODY = (
    "<p>Magnesium takes part in more than three hundred enzyme reactions, among them the ones "
    "that let nerves fire and muscles relax.</p><p>Most adults eat less than the recommended "
    "amount; <strong>glycinate</strong> is one of the forms the gut absorbs best.</p>"
)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hslhealing.settings")
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import dj_database_url

    server = dj_database_url.config(default="sqlite://")
    with throwaway_database(server) as (url, engine):
        os.environ["DATABASE_URL"] = url
        return run(engine)


@contextmanager
def throwaway_database(server, name=BENCH_DATABASE):
    """Yield (DATABASE_URL, engine name) of a database `name` made for this run, removed after
    it (on a PostgreSQL server; elsewhere a temporary SQLite file)."""
    if "postgresql" not in server["ENGINE"]:
        with tempfile.TemporaryDirectory(prefix="hsl-bench-") as folder:
            try:
                yield f"sqlite:///{folder}/bench.sqlite3", "SQLite"
            finally:
                close_connections()
        return
    user = server["USER"] + (f":{server['PASSWORD']}" if server.get("PASSWORD") else "")
    port = server["PORT"] or 5432
    postgres_admin(server, f"DROP DATABASE IF EXISTS {name}")
    postgres_admin(server, f"CREATE DATABASE {name}")
    try:
        yield f"postgres://{user}@{server['HOST']}:{port}/{name}", "PostgreSQL"
    finally:
        close_connections()
        postgres_admin(server, f"DROP DATABASE IF EXISTS {name}")


def postgres_admin(server, statement):
    """Run `statement` (CREATE or DROP DATABASE) on the server's maintenance database."""
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=server["USER"],
        password=server.get("PASSWORD") or None,
        host=server["HOST"],
        port=server["PORT"] or 5432,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def close_connections():
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def run(engine):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no query log
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"hslhealing export benchmark on {engine} (migrated in {seconds_since(started)})")

    results = {}
    filled = 0
    with tempfile.TemporaryDirectory(prefix="hsl-bench-out-") as folder:
        for size in SIZES:
            started = time.perf_counter()
            fill(filled, size)
            filled = size
            print(f"  {size:,} articles in the database (filled in {seconds_since(started)})")
            for file_format in FORMATS:
                output = Path(folder) / f"articles.{file_format}"
                elapsed = export(file_format, output)
                peak = export(file_format, output, traced=True)
                results[file_format, size] = (size / elapsed, peak, output.stat().st_size)
    return report(results, engine)


def export(file_format, output, traced=False):
    """Run the command once; return the seconds it took, or with `traced` the peak bytes."""
    from django.core.management import call_command

    if traced:
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    call_command("export_articles", "--format", file_format, "--output", str(output))
    elapsed = time.perf_counter() - started
    if not traced:
        return elapsed
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return peak


def fill(start, stop):
    """Add articles number `start` to `stop - 1`, with their sections, studies and links."""
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
    from references.models import LinkStatus, Reference

    if start == 0:
        Category.objects.create(name="Nerve health", slug="nerve-health")
        Contributor.objects.create(name="Ana Ruiz", slug="ana-ruiz", credentials="RDN")
        Contributor.objects.create(name="Amelia Hart", slug="amelia-hart", credentials="MD")
        Tag.objects.bulk_create(Tag(name=f"Tag {n}", slug=f"tag-{n}") for n in range(50))
        Reference.objects.bulk_create(
            Reference(
                title=f"Magnesium study {n}",
                url=f"https://pubmed.ncbi.nlm.nih.gov/{20000000 + n}/",
                normalized_url=f"https://pubmed.ncbi.nlm.nih.gov/{20000000 + n}/",
                site="pubmed.ncbi.nlm.nih.gov",
                link_status=(
                    LinkStatus.BROKEN
                    if n % 20 == 0
                    else LinkStatus.UNREACHABLE
                    if n % 20 == 1
                    else LinkStatus.OK
                ),
            )
            for n in range(1_000)
        )
    category = Category.objects.get()
    author, reviewer = Contributor.objects.order_by("slug")
    tag_ids = list(Tag.objects.values_list("pk", flat=True))
    reference_ids = list(Reference.objects.values_list("pk", flat=True))
    now = timezone.now()
    today = timezone.localdate()
    Tagging = Article.tags.through
    standfirst = "What the trials say about magnesium before bed."
    finding = "Sleep came 17 minutes sooner in older adults."
    # What the signals would store (bulk_create sends none): three sections, one study.
    word_count = count_words(standfirst) + count_words(finding)
    word_count += sum(count_words(f"Part {p}", BODY) for p in range(3))

    for first in range(start, stop, BATCH):
        numbers = range(first, min(first + BATCH, stop))
        articles = Article.objects.bulk_create(
            Article(
                title=f"Magnesium and sleep, part {n} — café edition",
                slug=f"magnesium-and-sleep-{n}",
                standfirst=standfirst,
                word_count=word_count,
                category=category,
                author=author,
                medical_reviewer=reviewer if n % 3 else None,
                reviewed_on=today - datetime.timedelta(days=n % 1000) if n % 3 else None,
                status=Article.Status.PUBLISHED,
                publish_at=now - datetime.timedelta(minutes=n),
            )
            for n in numbers
        )
        sections = Section.objects.bulk_create(
            Section(article=article, position=p, heading=f"Part {p}", body=BODY)
            for article in articles
            for p in range(3)
        )
        Study.objects.bulk_create(
            Study(
                section=section,
                authors="Abbasi et al.",
                year=2012,
                finding=finding,
            )
            for section in sections[::3]
        )
        Citation.objects.bulk_create(
            Citation(article=article, reference_id=reference_ids[(n + j * 7) % 1_000], position=j)
            for n, article in zip(numbers, articles, strict=True)
            for j in range(3)
        )
        Tagging.objects.bulk_create(
            Tagging(article=article, tag_id=tag_ids[(n + j) % len(tag_ids)])
            for n, article in zip(numbers, articles, strict=True)
            for j in range(2)
        )
        RelatedArticle.objects.bulk_create(
            RelatedArticle(article=article, related=previous)
            for previous, article in itertools.pairwise(articles)
        )
    # The planner's statistics for the rows just added, as autovacuum's ANALYZE keeps them on a
    # live database: without them PostgreSQL plans the per-article counts as a scan of every
    # study for each article.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def report(results, engine):
    small, large = SIZES
    print()
    ratio_heading = f"peak {large // 1000}k/{small // 1000}k"
    print(f"| format | articles | rows/s | peak memory | file size | {ratio_heading} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    failures = []
    for file_format in FORMATS:
        ratio = results[file_format, large][1] / results[file_format, small][1]
        for size in SIZES:
            rate, peak, file_size = results[file_format, size]
            shown_ratio = f"{ratio:.2f}" if size == large else ""
            print(
                f"| {file_format.upper()} | {size:,} | {rate:,.0f} | {peak / 2**20:.1f} MiB "
                f"| {file_size / 2**20:.1f} MiB | {shown_ratio} |"
            )
        if ratio > MAX_PEAK_RATIO:
            failures.append(f"{file_format}: peak memory ratio {ratio:.2f} > {MAX_PEAK_RATIO}")
    csv_rate = results["csv", large][0]
    if engine == "PostgreSQL" and csv_rate < MIN_CSV_ROWS_PER_SECOND_ON_POSTGRES:
        failures.append(
            f"csv: {csv_rate:,.0f} rows/s < {MIN_CSV_ROWS_PER_SECOND_ON_POSTGRES:,} on PostgreSQL"
        )
    print()
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    if not failures:
        print(f"Targets met: peak ratio <= {MAX_PEAK_RATIO}", end="")
        print(" and CSV >= 20,000 rows/s." if engine == "PostgreSQL" else " (speed: PostgreSQL).")
    return 1 if failures else 0


def seconds_since(started):
    return f"{time.perf_counter() - started:.1f} s"


if __name__ == "__main__":
    sys.exit(main())
