"""What keeps pages and lists the same cost at 100,000 articles as at 10,000: sitemaps split
into sections by id, capped lists and searches, estimated admin counts, indexed look-ups."""

import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.site import sitemaps
from tests.factories import ArticleFactory

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


def test_a_sitemap_page_past_the_last_is_not_found(client, small_sections):
    ArticleFactory.create_batch(5)
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404


def test_a_sitemap_page_is_kept_until_one_of_its_own_articles_changes(client, small_sections):
    first_page = ArticleFactory.create_batch(4)
    ArticleFactory.create_batch(2)
    client.get("/sitemap-articles.xml?p=1")
    client.get("/sitemap-articles.xml?p=2")
    with CaptureQueriesContext(connection) as kept:
        assert len(locations(client, "/sitemap-articles.xml?p=1")) == 4
    # The fingerprint only: no article rows are read again.
    assert len(kept) == 1

    second_page_article = Article.objects.order_by("-pk").first()
    second_page_article.title = "Renamed"
    second_page_article.save()
    with CaptureQueriesContext(connection) as still_kept:
        client.get("/sitemap-articles.xml?p=1")
    assert len(still_kept) == 1

    first_page[0].status = Article.Status.ARCHIVED
    first_page[0].save()
    page = locations(client, "/sitemap-articles.xml?p=1")
    assert len(page) == 3
    assert f"{HOST}{first_page[0].get_absolute_url()}" not in page


def test_a_sitemap_page_reads_only_its_own_id_range(client, small_sections):
    ArticleFactory.create_batch(9)
    with CaptureQueriesContext(connection) as queries:
        client.get("/sitemap-articles.xml?p=2")
    sql = " ".join(query["sql"] for query in queries).upper()
    assert "OFFSET" not in sql
    assert '"ARTICLES_ARTICLE"."ID" > 4' in sql


def test_robots_txt_points_at_the_sitemap_index(client):
    assert "Sitemap: http://testserver/sitemap.xml" in client.get("/robots.txt").content.decode()
    assert b"sitemapindex" in client.get("/sitemap.xml").content
