"""
The article page reads each of the article's parts once (articles/site/outline.py,
`ArticlePage.load`), and not at all a part the article does not have.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ArticleFactory,
    RDARowFactory,
    RDATableFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


def page_queries(client, article):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response, [query["sql"] for query in queries]


def reading(table, sql):
    return [s for s in sql if s.startswith("SELECT") and f'FROM "{table}"' in s]


def test_an_article_without_sections_or_intake_tables_reads_no_studies_or_rows(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory()
    _response, sql = page_queries(client, article)
    assert not reading("articles_study", sql)
    assert not reading("articles_rdarow", sql)


def test_each_part_is_read_once_however_many_sections_and_tables(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = ArticleFactory()
        for position in range(4):
            section = SectionFactory(article=article, position=position)
            StudyFactory.create_batch(2, section=section)
        for position in range(3):
            RDARowFactory(table=RDATableFactory(article=article, position=position))
    response, sql = page_queries(client, article)
    for table in ("articles_section", "articles_study", "articles_rdatable", "articles_rdarow"):
        assert len(reading(table, sql)) == 1, table
    assert response.content.decode().count('class="rda-table') == 3
