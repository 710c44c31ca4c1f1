"""
Benchmark of a big article's admin change page (issue 17, items 4 and 7): its queries, the
size of its HTML, the empty forms ("Add another" copies them) and copies of `__prefix__` it
carries, and the server's milliseconds per GET.

    .venv/bin/python benchmarks/change_page.py          # or: make bench

Everything is throwaway and local: a SQLite database, media and collected static files in a
temporary directory, `DJANGO_DEBUG=0` (the cached template loader), the local-memory cache.
The article is built with the ORM: 60 sections, 20 studies each linked to one of its 30 cited
references, 2 RDA tables of 6 rows and 3 "You may also like" links. A superuser, logged in
with Django's test client, opens the change page; each GET goes through the whole middleware
stack, so its milliseconds are the server's (SQLite runs in the process): CPU time (this
process's, steadier on a shared machine) and wall-clock time.

The targets (issue 17, item 4): 40 queries or fewer, the same number for a small article (a
section, a study, a table of one row, a citation, a link), and one empty form per kind of
part. Each is printed as met or missed; the exit status stays 0 so that `make bench` goes on.
"""

import datetime
import os
import re
import statistics
import sys
import time

from _throwaway import run_on_throwaway_site

GETS = int(os.environ.get("BENCH_GETS", "15"))
WARM_UP = 2
QUERY_TARGET = 40
BIG = {"sections": 60, "studies": 20, "tables": 2, "rows": 6, "citations": 30, "related": 3}
SMALL = {"sections": 1, "studies": 1, "tables": 1, "rows": 1, "citations": 1, "related": 1}


def main():
    run_on_throwaway_site(measure, prefix="hsl-bench-change-page-", DJANGO_LOG_LEVEL="ERROR")


def build_article(name, *, sections, studies, tables, rows, citations, related):
    """An article of the given size, its parts filled in as an editor would."""
    from django.utils import timezone

    from articles.models import (
        Article,
        Category,
        Citation,
        Contributor,
        RDARow,
        RDATable,
        RelatedArticle,
        Section,
        Study,
    )
    from references.models import Reference

    category, _ = Category.objects.get_or_create(slug="minerals", defaults={"name": "Minerals"})
    author, _ = Contributor.objects.get_or_create(slug="writer", defaults={"name": "Writer"})

    def article(slug, title):
        return Article.objects.create(
            title=title,
            slug=slug,
            standfirst="What the trials say.",
            category=category,
            author=author,
            status=Article.Status.PUBLISHED,
            publish_at=timezone.now() - datetime.timedelta(days=1),
        )

    big = article(name, f"Article {name}")
    references = [
        Reference.objects.create(
            title=f"{name}: trial {number}",
            url=f"https://example.org/{name}/trial-{number}",
            retrieved_on=datetime.date(2025, 1, 8),
        )
        for number in range(citations)
    ]
    Citation.objects.bulk_create(
        Citation(article=big, reference=reference, position=position)
        for position, reference in enumerate(references)
    )
    made_sections = Section.objects.bulk_create(
        Section(
            article=big,
            position=position,
            heading=f"Part {position}",
            body="<p>" + "What the trials found, in plain words. " * 20 + "</p>",
        )
        for position in range(sections)
    )
    for number in range(studies):
        Study(
            section=made_sections[number * sections // studies],
            position=number,
            label="Clinical Insight",
            journal="Journal of Trace Elements",
            authors="Lind et al.",
            year=2019,
            finding="Lozenges shortened colds by a third on average.",
            effect_figure="33%",
            study_type=Study.StudyType.SYSTEMATIC_REVIEW,
            reference=references[number % len(references)],
        ).save()
    for number in range(tables):
        table = RDATable.objects.create(article=big, position=number, nutrient=f"Mineral {number}")
        RDARow.objects.bulk_create(
            RDARow(
                table=table,
                position=position,
                life_stage=RDARow.LifeStage.MEN,
                age_from=10 * position,
                age_to=10 * position + 9,
                amount=11,
            )
            for position in range(rows)
        )
    RelatedArticle.objects.bulk_create(
        RelatedArticle(
            article=big,
            related=article(f"{name}-related-{number}", f"Related {name} {number}"),
            position=number,
        )
        for number in range(related)
    )
    return big


def measure(workdir):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    big = build_article("big", **BIG)
    small = build_article("small", **SMALL)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench", "bench@example.org"))

    def change_page(article):
        url = reverse("admin:articles_article_change", args=[article.pk])
        response = client.get(url, secure=True)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}, not 200.")
        return response.content.decode()

    def query_count(article):
        with CaptureQueriesContext(connection) as queries:
            change_page(article)
        return len(queries)

    for _ in range(WARM_UP):
        change_page(big)
    html = change_page(big)
    big_queries, small_queries = query_count(big), query_count(small)
    cpu, wall = [], []
    for _ in range(GETS):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        change_page(big)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started_wall) * 1000)

    sizes = ", ".join(f"{count} {part}" for part, count in BIG.items())
    print(f"big article's change page ({sizes}):")
    print(f"  queries            {big_queries:8d}   (small article: {small_queries})")
    print(f"  HTML               {len(html.encode()) / 1024:8.0f} KB")
    print(f"  __prefix__ copies  {html.count('__prefix__'):8d}")
    templates = len(re.findall(r'id="[^"]*-empty"', html))
    kinds = len(set(re.findall(r'data-inline-model="([^"]+)"', html)))
    print(f"  empty forms        {templates:8d}   (kinds of part: {kinds})")
    print(
        f"  server time        {statistics.median(cpu):8.0f} ms CPU, "
        f"{statistics.median(wall):.0f} ms wall clock   (medians of {GETS} GETs)"
    )
    met = big_queries <= QUERY_TARGET and big_queries == small_queries
    verdict = "met" if met else "MISSED"
    print(f"target: {QUERY_TARGET} queries or fewer, as many as a small article's: {verdict}")
    verdict = "met" if templates == kinds else "MISSED"
    print(f"target: one empty form per kind of part: {verdict}")


if __name__ == "__main__":
    main()
