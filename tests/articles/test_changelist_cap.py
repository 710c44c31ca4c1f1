"""
Admin changelists offer the pages holding their first rows only (articles/editing/changelist.py):
a page past them answers the last one offered, says how to reach the rest, and no query skips
more rows than the pages offered hold.
"""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.editing import changelist
from articles.models import Article
from references.models import Reference
from tests.factories import ArticleFactory, CitationFactory

CAP_MESSAGE = "narrow the list with a filter or a search"


@pytest.fixture
def three_pages_of_two(monkeypatch):
    """Pages of two rows, and three of them offered."""
    monkeypatch.setattr(changelist, "MAX_ROWS", 6)
    for model in (Article, Reference):
        monkeypatch.setattr(admin.site.get_model_admin(model), "list_per_page", 2)


def offsets(queries):
    return [int(n) for q in queries for n in re.findall(r"OFFSET (\d+)", q["sql"])]


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/admin/articles/article/", lambda: ArticleFactory.create_batch(10)),
        ("/admin/references/reference/", lambda: CitationFactory.create_batch(10)),
    ],
    ids=["articles", "references"],
)
def test_a_page_past_the_cap_answers_the_last_page_offered_and_says_so(
    admin_client, three_pages_of_two, url, make_rows
):
    make_rows()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url + "?p=40")
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.page_num == 3
    assert cl.paginator.num_pages == 3
    assert len(cl.result_list) == 2
    assert CAP_MESSAGE in response.text
    assert "Showing the first 6" in response.text
    # The page links stop at the last page offered, which is the current one.
    assert '<span class="this-page">3</span>' in response.text
    assert "?p=4" not in response.text
    assert offsets(queries)
    assert max(offsets(queries)) <= 4


def test_the_last_page_offered_is_the_rows_before_the_cap(admin_client, three_pages_of_two):
    ArticleFactory.create_batch(10)
    response = admin_client.get("/admin/articles/article/?p=40")
    shown = [article.pk for article in response.context["cl"].result_list]
    newest_first = admin_client.get("/admin/articles/article/?p=3").context["cl"].result_list
    assert shown == [article.pk for article in newest_first]


def test_a_list_within_the_cap_says_nothing_about_a_cap(admin_client, three_pages_of_two):
    ArticleFactory.create_batch(5)
    response = admin_client.get("/admin/articles/article/?p=3")
    assert response.status_code == 200
    assert not response.context["cl"].paginator.truncated
    assert CAP_MESSAGE not in response.text


def test_a_page_past_the_end_of_a_short_list_is_still_an_error(admin_client, three_pages_of_two):
    ArticleFactory.create_batch(3)
    response = admin_client.get("/admin/articles/article/?p=9")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(
    ("url", "figure"),
    [
        ("/admin/articles/article/", "reference_count"),
        ("/admin/references/reference/", "citation_count"),
    ],
    ids=["articles", "references"],
)
def test_a_later_page_works_out_its_rows_figures_for_its_own_rows_only(
    admin_client, three_pages_of_two, url, figure
):
    CitationFactory.create_batch(6)  # six articles citing six references, once each
    first_pages = [admin_client.get(url, {"p": page}).context["cl"] for page in (1, 2, 3)]
    listed = [row.pk for cl in first_pages for row in cl.result_list]
    assert len(set(listed)) == 6, "every row once, in the list's order, page after page"
    with CaptureQueriesContext(connection) as queries:
        later = admin_client.get(url, {"p": 3}).context["cl"]
    assert [getattr(row, figure) for row in later.result_list] == [1, 1]
    (page_query,) = [q["sql"] for q in queries if "OFFSET 4" in q["sql"]]
    assert "COUNT" not in page_query.upper(), "the skipped rows are not counted"
