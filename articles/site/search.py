"""
Finding articles by what they say.

On PostgreSQL every article keeps a stored `search_vector`: its title weighted A, its standfirst
B and the headings and text of its sections C. `ArticleQuerySet.update_search_vectors` rewrites
it once per changed article when a transaction commits (`articles.models.derived`), and a GIN index
(created by migration 0006, PostgreSQL only) keeps the match fast. Results are ranked, and each
carries a `headline`: the passages that matched, with the matched words between `MARK_START`
and `MARK_END` (turned into `<mark>` by the `search_snippet` filter after escaping the rest).

Elsewhere (SQLite in development) each word of the query must appear, in any case, in the
title, the standfirst or a section; the headline is the standfirst, newest articles first.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections, models
from django.db.models.functions import Concat

from ..models import Section
from ..models.article import SEARCH_CONFIG, section_text

#: Longer queries are cut to this many characters: nobody types more, and it bounds the work.
MAX_QUERY_LENGTH = 200

#: Control characters that never occur in stored text, so they can mark matches safely.
MARK_START, MARK_END = "\x02", "\x03"

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


def clean_query(raw):
    """The query as searched: control characters removed, spaces collapsed, at most
    `MAX_QUERY_LENGTH` characters. PostgreSQL refuses a NUL character, so it must go."""
    query = " ".join(_CONTROL_CHARACTERS.sub(" ", raw or "").split())
    return query[:MAX_QUERY_LENGTH].strip()


def search_articles(articles, query):
    """Filter the `articles` QuerySet to those matching `query`, best first, each annotated with
    a `headline`. `query` should come from `clean_query`."""
    if connections[articles.db].vendor == "postgresql":
        return _full_text_search(articles, query)
    return _simple_search(articles, query)


def _full_text_search(articles, query):
    search_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    document = Concat(
        "standfirst", models.Value(" "), section_text(), output_field=models.TextField()
    )
    return (
        articles.filter(search_vector=search_query)
        .annotate(
            rank=SearchRank(models.F("search_vector"), search_query),
            headline=SearchHeadline(
                document,
                search_query,
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-publish_at", "-pk")
    )


def _simple_search(articles, query):
    for word in query.split():
        in_sections = Section.objects.filter(
            models.Q(heading__icontains=word) | models.Q(body__icontains=word),
            article=models.OuterRef("pk"),
        )
        articles = articles.filter(
            models.Q(title__icontains=word)
            | models.Q(standfirst__icontains=word)
            | models.Exists(in_sections)
        )
    return articles.annotate(headline=models.F("standfirst"))
