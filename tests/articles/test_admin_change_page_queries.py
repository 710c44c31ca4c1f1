"""
The article's admin change page reads the studies of all its sections in one query, the rows
of all its RDA tables in another, the article a citation's label names with the citation, and
names the reference (or article) each autocomplete has chosen from the row it already read:
its queries do not grow with the number of sections, studies, tables, citations or links
(articles/admin/inlines.py).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ArticleFactory,
    CitationFactory,
    RDARowFactory,
    RDATableFactory,
    RelatedArticleFactory,
    SectionFactory,
    StudyFactory,
)

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


def article_of_size(*, sections, studies, tables, citations, links):
    """An article with every kind of part, its studies linked to the references it cites."""
    article = ArticleFactory()
    cited = [
        CitationFactory(article=article, position=position).reference
        for position in range(citations)
    ]
    parts = [SectionFactory(article=article, position=position) for position in range(sections)]
    for number in range(studies):
        StudyFactory(section=parts[number % sections], reference=cited[number % citations])
    for position in range(tables):
        table = RDATableFactory(article=article, position=position)
        RDARowFactory(table=table, position=0, age_from=1, age_to=18)
        RDARowFactory(table=table, position=1, age_from=19)
    for position in range(links):
        RelatedArticleFactory(article=article, position=position)
    return article


def test_a_big_article_runs_as_many_queries_as_a_small_one_and_at_most_40(admin_client):
    small = article_of_size(sections=1, studies=1, tables=1, citations=1, links=1)
    big = article_of_size(sections=8, studies=6, tables=3, citations=7, links=3)
    queries = len(change_page_queries(admin_client, big))
    assert queries == len(change_page_queries(admin_client, small))
    assert queries <= 40


def chosen_option(html, name):
    """(value, label) of the option chosen in the select named `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group()
    return re.search(r'<option value="(\d+)" selected>([^<]*)</option>', select).groups()


def test_each_autocomplete_shows_the_reference_or_article_it_has_chosen(admin_client):
    article = article_of_size(sections=2, studies=2, tables=0, citations=2, links=1)
    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    html = response.content.decode()
    chosen = {
        "citations-0-reference": article.citations.get(position=0).reference,
        "citations-1-reference": article.citations.get(position=1).reference,
        "related_links-0-related": article.related_links.get().related,
    }
    for index, section in enumerate(article.sections.order_by("position")):
        chosen[f"sections-{index}-studies-0-reference"] = section.studies.get().reference
    for name, choice in chosen.items():
        assert chosen_option(html, name) == (str(choice.pk), str(choice))
