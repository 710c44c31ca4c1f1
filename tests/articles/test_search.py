"""Search at /search/?q=: what readers find, and what odd input gets (never an error).

The first tests hold on every database. The PostgreSQL ones (ranking, highlighted snippets,
the stored vector and its GIN index) use the `postgres` fixture and skip elsewhere.
"""

import datetime
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article
from articles.site.search import MAX_QUERY_LENGTH, clean_query
from articles.templatetags.article_tags import search_snippet
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Commit as a real save does: the search vector is stored when the transaction commits
    (the test's own transaction never does)."""
    return partial(django_capture_on_commit_callbacks, execute=True)


def search(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response


def found(response):
    page = response.context["page_obj"]
    return [article.title for article in page] if page else []


def test_finds_articles_by_title_standfirst_or_section_text(client, committed):
    with committed():
        ArticleFactory(title="Magnesium and sleep")
        ArticleFactory(title="Second", standfirst="Why magnesium matters for muscles.")
        SectionFactory(article=ArticleFactory(title="Third"), body="<p>Take magnesium daily.</p>")
        ArticleFactory(title="Vitamin D and bones", standfirst="Sunlight and bones.")
    assert sorted(found(search(client, "magnesium"))) == ["Magnesium and sleep", "Second", "Third"]


def test_finds_only_published_articles(client, committed):
    with committed():
        ArticleFactory(title="Zinc live")
        ArticleFactory(title="Zinc draft", status=Article.Status.DRAFT, publish_at=None)
        ArticleFactory(title="Zinc soon", publish_at=timezone.now() + datetime.timedelta(days=1))
    assert found(search(client, "zinc")) == ["Zinc live"]


def test_every_word_must_match(client, committed):
    with committed():
        ArticleFactory(title="Zinc and colds", standfirst="Lozenges.")
        ArticleFactory(title="Zinc and skin", standfirst="Creams.")
    assert found(search(client, "zinc colds")) == ["Zinc and colds"]


def test_an_empty_query_asks_for_words(client):
    ArticleFactory(title="Zinc and colds")
    for query in ["", "   "]:
        response = search(client, query)
        assert response.context["page_obj"] is None
        assert "Type a word or two" in response.content.decode()


def test_no_results_get_a_friendly_page(client):
    ArticleFactory(title="Zinc and colds")
    content = search(client, "unobtainium").content.decode()
    assert "No articles match “unobtainium”." in content
    assert 'href="/articles/"' in content


def test_a_very_long_query_is_cut_and_the_reader_told(client):
    ArticleFactory(title="Zinc and colds")
    response = search(client, "zinc " + "x" * 5000)
    assert len(response.context["query"]) == MAX_QUERY_LENGTH
    assert f"we used its first {MAX_QUERY_LENGTH} characters" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["zinc\x00", "%", "_", "'; DROP TABLE articles_article; --", '"zinc', "zinc -", "!!!", "or"],
    ids=["nul", "percent", "underscore", "sql", "open-quote", "dangling-minus", "bangs", "or"],
)
def test_odd_queries_never_fail(client, query):
    ArticleFactory(title="Zinc and colds")
    search(client, query)


def test_search_results_are_paginated_and_keep_the_query(client, committed):
    with committed():
        ArticleFactory.create_batch(14, title="Zinc facts")
    content = search(client, "zinc").content.decode()
    assert 'href="?q=zinc&amp;page=2"' in content
    assert len(found(search(client, "zinc", page="2"))) == 2
    assert search(client, "zinc", page="abc").context["page_obj"].number == 1


NOINDEX = '<meta name="robots" content="noindex">'


def test_a_page_of_results_may_be_indexed_under_an_address_naming_its_query(client, committed):
    with committed():
        ArticleFactory.create_batch(14, title="Zinc facts")
    first = search(client, "  zinc  ", utm_source="mail").content.decode()
    assert NOINDEX not in first
    assert '<link rel="canonical" href="http://testserver/search/?q=zinc">' in first
    assert '<meta property="og:url" content="http://testserver/search/?q=zinc">' in first
    second = search(client, "zinc", page="2").content.decode()
    assert '<link rel="canonical" href="http://testserver/search/?q=zinc&amp;page=2">' in second


def test_the_bare_form_and_a_search_that_found_nothing_are_not_indexed(client):
    ArticleFactory(title="Zinc facts")
    assert NOINDEX in client.get("/search/").content.decode()
    assert NOINDEX in search(client, "selenium").content.decode()


def test_query_is_escaped_on_the_page(client):
    content = search(client, "<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_search_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # Committed, as a real save is: the commit starts the new content generation.
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory.create_batch(30, title="Zinc facts")
    # The count, the page, and on PostgreSQL the headlines of the page's articles.
    with django_assert_max_num_queries(4):
        search(client, "zinc")


def test_clean_query_drops_control_characters_and_extra_spaces():
    assert clean_query("  zinc\x00\x07  and\tcolds \n") == "zinc and colds"
    assert clean_query(None) == ""


def test_snippet_escapes_text_and_marks_matches():
    assert str(search_snippet("<b>\x02zinc\x03</b> &amp; copper")) == (
        "&lt;b&gt;<mark>zinc</mark>&lt;/b&gt; &amp; copper"
    )


@pytest.mark.postgres
class TestFullTextSearch:
    """PostgreSQL: a stored, weighted vector behind a GIN index; ranked, highlighted results."""

    def test_title_match_ranks_above_standfirst_above_body(self, client, postgres, committed):
        with committed():
            in_body = ArticleFactory(title="Third", standfirst="Other things.")
            SectionFactory(article=in_body, body="<p>Some notes on selenium here.</p>")
            ArticleFactory(title="Second", standfirst="Selenium in brief.")
            ArticleFactory(title="Selenium explained", standfirst="Other things.")
        assert found(search(client, "selenium")) == ["Selenium explained", "Second", "Third"]

    def test_matches_word_forms(self, client, postgres, committed):
        with committed():
            ArticleFactory(title="Running and recovery")
        assert found(search(client, "runs")) == ["Running and recovery"]

    def test_snippet_highlights_the_matched_words_from_the_text(self, client, postgres, committed):
        with committed():
            article = ArticleFactory(title="Minerals", standfirst="A short guide.")
            SectionFactory(article=article, body="<p>Selenium protects cells &amp; tissues.</p>")
        content = search(client, "selenium").content.decode()
        assert "<mark>Selenium</mark> protects cells &amp; tissues" in content

    def test_snippet_of_stored_markup_is_shown_as_text(self, client, postgres, committed):
        with committed():
            ArticleFactory(title="Selenium", standfirst="<script>alert(1)</script> selenium")
        content = search(client, "selenium").content.decode()
        snippet = content.split('<p class="snippet">')[1].split("</p>")[0]
        assert "<script" not in snippet
        assert "<mark>selenium</mark>" in snippet

    def test_vector_follows_sections_saved_and_deleted(self, client, postgres, committed):
        with committed():
            article = ArticleFactory(title="Minerals")
            section = SectionFactory(article=article, body="<p>Nothing yet.</p>")
        assert found(search(client, "selenium")) == []
        section.body = "<p>Selenium at last.</p>"
        with committed():
            section.save()
        assert found(search(client, "selenium")) == ["Minerals"]
        with committed():
            section.delete()
        assert found(search(client, "selenium")) == []

    def test_vector_follows_the_title(self, client, postgres, committed):
        article = ArticleFactory(title="Minerals")
        article.title = "Selenium basics"
        with committed():
            article.save()
        assert found(search(client, "selenium")) == ["Selenium basics"]

    def test_search_vector_has_a_gin_index(self, postgres):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'article_search_vector_gin'"
            )
            (definition,) = cursor.fetchone()
        assert "USING gin (search_vector)" in definition


@pytest.mark.postgres
def test_the_search_index_has_no_pending_list(postgres):
    """A GIN index's pending list makes the planner skip the index until VACUUM runs (0008)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'article_search_vector_gin'"
        )
        assert cursor.fetchone()[0] == ["fastupdate=off"]
