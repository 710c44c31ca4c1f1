"""
Finding articles by what they say.

On PostgreSQL every article keeps a stored `search_vector`: its title weighted A, its standfirst
B and the headings and text of its sections C. `ArticleQuerySet.update_search_vectors` rewrites it
once per changed article when a transaction commits (`articles.models.derived`), and a GIN index
(created by migration 0006, PostgreSQL only) keeps the match fast.

The work of one search is bounded whatever the number of articles or of matches: the newest
`MAX_RANKED` matches are taken (one more than a reader can page through, so the page can say
there were more), ranked among themselves, best first, and paged through by
`pagination.CappedPaginator`. Only the articles on the page shown get a `headline`
(`add_headlines`): the passages that matched, with the matched words between `MARK_START` and
`MARK_END` (turned into `<mark>` by the `search_snippet` filter after escaping the rest).

Elsewhere (SQLite in development) each word of the query must appear, in any case, in the
title, the standfirst or a section; newest articles first, and the headline is the standfirst.
"""

import re

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connections, models, router
from django.db.models.functions import Concat

from ..models import Article, Section
from ..models.article import SEARCH_CONFIG, section_text
from .pagination import MAX_LISTED

#: Longer queries are cut to this many characters: nobody types more, and it bounds the work.
MAX_QUERY_LENGTH = 200

#: Control characters that never occur in stored text, so they can mark matches safely.
MARK_START, MARK_END = "\x02", "\x03"

#: Matches ranked per search: the newest ones, one more than a reader can page through.
MAX_RANKED = MAX_LISTED + 1

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]+")


def clean_query(raw):
    """The query as searched: control characters removed, spaces collapsed, at most
    `MAX_QUERY_LENGTH` characters. PostgreSQL refuses a NUL character, so it must go."""
    query = " ".join(_CONTROL_CHARACTERS.sub(" ", raw or "").split())
    return query[:MAX_QUERY_LENGTH].strip()


def search_articles(articles, query):
    """Filter the `articles` QuerySet to those matching `query`, best first (on PostgreSQL:
    the best of the newest `MAX_RANKED`). `query` should come from `clean_query`."""
    if connections[articles.db].vendor == "postgresql":
        return _full_text_search(articles, query)
    return _simple_search(articles, query)


def add_headlines(articles, query):
    """Give each of `articles` (a page of results, as a list) its `headline`, in one query for
    the page only; returns the list."""
    if not articles:
        return articles
    if connections[router.db_for_read(Article)].vendor != "postgresql":
        for article in articles:
            article.headline = article.standfirst
        return articles
    document = Concat(
        "standfirst", models.Value(" "), section_text(), output_field=models.TextField()
    )
    headlines = dict(
        Article.objects.filter(pk__in=[article.pk for article in articles])
        .annotate(
            headline=SearchHeadline(
                document,
                _search_query(query),
                config=SEARCH_CONFIG,
                start_sel=MARK_START,
                stop_sel=MARK_END,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .values_list("pk", "headline")
    )
    for article in articles:
        article.headline = headlines.get(article.pk, "")
    return articles


def _search_query(query):
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _full_text_search(articles, query):
    search_query = _search_query(query)
    newest_matches = (
        articles.filter(search_vector=search_query)
        .order_by("-publish_at", "-pk")
        .values("pk")[:MAX_RANKED]
    )
    return (
        articles.filter(pk__in=newest_matches)
        .annotate(rank=SearchRank(models.F("search_vector"), search_query))
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
    return articles.order_by("-publish_at", "-pk")
