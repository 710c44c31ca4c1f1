"""What keeps pages and lists the same cost at 100,000 articles as at 10,000: sitemaps split
into sections by id, capped lists and searches, estimated admin counts, indexed look-ups."""

import datetime
import xml.etree.ElementTree as ET
from collections import Counter
from functools import partial

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Contributor
from articles.site import sitemaps
from tests.factories import ArticleFactory, CitationFactory, ContributorFactory
from tests.query_plans import admin_search_plan

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOST = "http://testserver"


def locations(client, url):
    response = client.get(url.removeprefix(HOST))
    assert response.status_code == 200
    return [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]


@pytest.fixture
def small_sections(monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 4)


def test_sitemap_index_lists_every_published_article_exactly_once(client, small_sections):
    live = ArticleFactory.create_batch(11)
    hidden = [
        ArticleFactory(status=Article.Status.DRAFT, publish_at=None),
        ArticleFactory(status=Article.Status.ARCHIVED),
    ]
    live += ArticleFactory.create_batch(3)
    live[4].delete()  # a hole in the ids
    del live[4]
    pages = [url for url in locations(client, "/sitemap.xml") if "sitemap-articles" in url]
    assert len(pages) > 3
    listed = Counter(url for page in pages for url in locations(client, page))
    for article in live:
        assert listed[f"{HOST}{article.get_absolute_url()}"] == 1
    for article in hidden:
        assert f"{HOST}{article.get_absolute_url()}" not in listed
    assert len(listed) == len(live)


def test_each_sitemap_page_holds_at_most_the_limit(client, small_sections):
    ArticleFactory.create_batch(10)
    for page in locations(client, "/sitemap.xml"):
        if "sitemap-articles" in page:
            assert len(locations(client, page)) <= 4


def article_pages(client):
    return [url for url in locations(client, "/sitemap.xml") if "sitemap-articles" in url]


def page_of(article):
    """The sitemap page holding `article` when pages hold 4 ids."""
    return f"/sitemap-articles.xml?p={(article.pk - 1) // 4 + 1}"


def test_a_sitemap_page_past_the_last_is_not_found(client, small_sections):
    ArticleFactory.create_batch(5)
    past_the_last = len(article_pages(client)) + 1
    assert client.get(f"/sitemap-articles.xml?p={past_the_last}").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404


def test_a_sitemap_page_is_kept_until_one_of_its_own_articles_changes(client, small_sections):
    articles = ArticleFactory.create_batch(12)
    first, other = articles[0], articles[-1]
    assert page_of(first) != page_of(other)
    on_first_page = len(locations(client, page_of(first)))
    with CaptureQueriesContext(connection) as kept:
        assert len(locations(client, page_of(first))) == on_first_page
    # The fingerprint only: no article rows are read again.
    assert len(kept) == 1

    other.title = "Renamed"
    other.save()
    with CaptureQueriesContext(connection) as still_kept:
        client.get(page_of(first))
    assert len(still_kept) == 1

    first.status = Article.Status.ARCHIVED
    first.save()
    page = locations(client, page_of(first))
    assert len(page) == on_first_page - 1
    assert f"{HOST}{first.get_absolute_url()}" not in page


def test_a_sitemap_page_reads_only_its_own_id_range(client, small_sections):
    article = ArticleFactory.create_batch(9)[-1]
    with CaptureQueriesContext(connection) as queries:
        client.get(page_of(article))
    sql = " ".join(query["sql"] for query in queries).upper()
    assert "OFFSET" not in sql
    lowest = (article.pk - 1) // 4 * 4
    assert f'"ARTICLES_ARTICLE"."ID" > {lowest}' in sql


def test_robots_txt_points_at_the_sitemap_index(client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()
    assert b"sitemapindex" in client.get("/sitemap.xml").content


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Saves as a real request makes them: derived text (the search index) follows at commit."""
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def small_cap(monkeypatch):
    """Lists and searches page through 5 articles, 12 a page."""
    monkeypatch.setattr("articles.site.pagination.MAX_LISTED", 5)
    monkeypatch.setattr("articles.site.views.PAGE_SIZE", 2)


def test_a_list_pages_through_the_newest_articles_and_says_there_are_more(client, small_cap):
    ArticleFactory.create_batch(8)
    response = client.get("/articles/?page=99")
    page = response.context["page_obj"]
    assert page.number == 3
    assert page.paginator.count == 5
    assert page.paginator.truncated
    assert "Only the newest articles are listed here" in response.content.decode()


def test_a_list_within_the_cap_says_nothing_about_more(client, small_cap):
    ArticleFactory.create_batch(5)
    response = client.get("/articles/?page=3")
    assert not response.context["page_obj"].paginator.truncated
    assert "Only the newest articles" not in response.content.decode()


def test_the_deepest_list_page_reads_no_further_than_the_cap(client, small_cap):
    ArticleFactory.create_batch(8)
    with CaptureQueriesContext(connection) as queries:
        client.get("/articles/?page=3")
    sql = [query["sql"] for query in queries if "articles_article" in query["sql"]]
    assert any("LIMIT 6" in statement for statement in sql)  # the count, one past the cap
    assert any("LIMIT 1 OFFSET 4" in statement for statement in sql)  # the last page


def test_a_search_with_more_matches_than_the_cap_says_so(client, small_cap, committed):
    with committed():  # the search index is written when the articles are committed
        ArticleFactory.create_batch(7, title="Zinc basics")
    response = client.get("/search/?q=zinc")
    content = response.content.decode()
    assert "More than 5 articles found for “zinc”" in content
    assert response.context["page_obj"].paginator.truncated


def test_search_headlines_are_made_for_the_shown_page_only(client, small_cap, committed):
    with committed():
        ArticleFactory.create_batch(4, title="Zinc basics", standfirst="What zinc does.")
    response = client.get("/search/?q=zinc")
    shown = list(response.context["page_obj"].object_list)
    assert len(shown) == 2
    assert all(article.headline for article in shown)


def test_full_text_search_ranks_only_the_newest_matches(client, postgres, small_cap, committed):
    from articles.site import search

    with committed():
        ArticleFactory.create_batch(8, title="Zinc basics")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/?q=zinc&page=3")
    assert response.status_code == 200
    ranked = [q["sql"] for q in queries if "ts_rank" in q["sql"]]
    assert ranked
    assert all(f"LIMIT {search.MAX_RANKED}" in statement for statement in ranked)
    headlines = [q["sql"] for q in queries if "ts_headline" in q["sql"]]
    assert len(headlines) == 1
    assert "ts_rank" not in headlines[0]


def changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries]


@pytest.fixture
def admin_client_with_articles(admin_client):
    for article in ArticleFactory.create_batch(3):
        CitationFactory.create_batch(2, article=article)
    return admin_client


def test_article_changelist_counts_citations_per_row_without_a_join(admin_client_with_articles):
    response, sql = changelist_queries(admin_client_with_articles, "/admin/articles/article/")
    rows = [
        s for s in sql if s.startswith('SELECT "articles_article"."id", "articles_article"."title"')
    ]
    assert rows
    assert all('JOIN "articles_citation"' not in s for s in rows)
    assert all('"search_vector"' not in s.split(" FROM ")[0] for s in rows)
    assert [article.reference_count for article in response.context["cl"].result_list] == [2] * 3
    # No second count of the whole table, and no date hierarchy reading every row's year.
    assert not any("DATE_TRUNC" in s.upper() or "django_date_trunc" in s for s in sql)
    assert response.context["cl"].full_result_count is None


def test_reference_changelist_counts_citations_per_row_without_a_join(admin_client_with_articles):
    response, sql = changelist_queries(admin_client_with_articles, "/admin/references/reference/")
    rows = [s for s in sql if "citation_count" in s]
    assert rows
    assert all('JOIN "articles_citation"' not in s for s in rows)
    assert [ref.citation_count for ref in response.context["cl"].result_list] == [1] * 6


def test_changelist_count_is_the_planner_estimate_on_a_big_table(
    admin_client_with_articles, postgres, monkeypatch
):
    from articles.editing import changelist

    monkeypatch.setattr(changelist, "EXACT_BELOW", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    response, sql = changelist_queries(admin_client_with_articles, "/admin/articles/article/")
    assert any("reltuples" in s for s in sql)
    assert not any("COUNT(*)" in s.upper() and "articles_article" in s for s in sql)
    assert response.context["cl"].result_count == 3
    response, sql = changelist_queries(
        admin_client_with_articles, "/admin/articles/article/?status__exact=published"
    )
    assert any(s.upper().startswith("EXPLAIN") for s in sql)
    assert response.context["cl"].result_count >= 1


def test_changelist_count_is_exact_on_a_small_table(admin_client_with_articles):
    response, _sql = changelist_queries(admin_client_with_articles, "/admin/articles/article/")
    assert response.context["cl"].result_count == 3


def test_case_insensitive_title_look_up_uses_an_index(postgres):
    ArticleFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Article.objects.filter(title__iexact="Zinc Basics").explain()
    assert "article_title_upper" in plan


def test_admin_search_reads_each_searched_column_from_its_trigram_index(postgres):
    ArticleFactory.create_batch(3)
    plan = admin_search_plan(Article, "glycinate")
    for column in site.get_model_admin(Article).search_fields:
        assert f"article_{column}_trigram_gin" in plan


def test_contributors_on_published_articles_are_found_through_indexes(postgres):
    """Each contributor is looked up in the indexes on (author or reviewer, status, publish
    time), which the sitemap index can afford at any number of articles."""
    # As in a real library: each person is named on a few articles of many (with all of them
    # under one reviewer, walking the newest articles would find theirs as soon).
    ArticleFactory.create_batch(20)
    ArticleFactory(medical_reviewer=ContributorFactory(), reviewed_on=datetime.date(2025, 3, 4))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Contributor.objects.named_on_published_articles().explain()
    assert "article_author_publish" in plan
    assert "article_reviewer_publish" in plan
    assert "Seq Scan on articles_article " not in plan
