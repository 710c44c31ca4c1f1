"""
The article's admin change page reads the studies of all its sections in one query, and the
article a citation's label names with the citation: its queries do not grow with the number
of sections, studies or citations' labels (articles/admin/inlines.py).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ArticleFactory, CitationFactory, SectionFactory, StudyFactory

pytestmark = pytest.mark.django_db


def change_page_queries(client, article):
    url = reverse("admin:articles_article_change", args=[article.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def article_with(sections):
    article = ArticleFactory()
    for position in range(sections):
        section = SectionFactory(article=article, position=position)
        StudyFactory.create_batch(2, section=section, reference=None)
    return article


def test_studies_of_every_section_come_in_one_query(admin_client):
    sql = change_page_queries(admin_client, article_with(sections=6))
    studies = [s for s in sql if s.startswith('SELECT "articles_study"."id"')]
    assert len([s for s in studies if '"articles_study"."section_id" IN' in s]) == 1
    assert not [s for s in studies if re.search(r'"articles_study"."section_id" = \d', s)]


def test_the_change_page_runs_as_many_queries_for_many_sections_as_for_few(admin_client):
    few = len(change_page_queries(admin_client, article_with(sections=2)))
    many = len(change_page_queries(admin_client, article_with(sections=12)))
    assert many == few


def article_rows(client, citations):
    article = ArticleFactory()
    CitationFactory.create_batch(citations, article=article)
    return [
        s
        for s in change_page_queries(client, article)
        if s.startswith('SELECT "articles_article"."id"') and f'"id" = {article.pk} LIMIT' in s
    ]


def test_a_citation_label_does_not_read_the_article_again(admin_client):
    assert len(article_rows(admin_client, citations=6)) == len(
        article_rows(admin_client, citations=1)
    )
