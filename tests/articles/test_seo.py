"""What search engines and feed readers get: sitemap, feeds, robots.txt, canonical and social
meta tags, and schema.org JSON-LD that stored text cannot break out of."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.site.sitemaps import ArticleSitemap
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    CitationFactory,
    ContributorFactory,
    ReferenceFactory,
)

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def json_ld(content):
    """The parsed JSON-LD of a page (json.loads undoes the \\u003C escapes)."""
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def test_sitemap_lists_pages_categories_and_published_articles(client):
    live = ArticleFactory(category=CategoryFactory(slug="sleep"))
    draft = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    # On PostgreSQL ids go on from earlier tests: the articles may lie on a later page (`?p=`).
    assert list(dict.fromkeys(section.split("?")[0] for section in sections)) == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-categories.xml",
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-contributors.xml",
        "http://testserver/sitemap-site-pages.xml",
    ]
    urls = []
    for section in sections:
        response = client.get(section.removeprefix("http://testserver"))
        assert response.status_code == 200
        urls += ET.fromstring(response.content).iter(f"{SITEMAP}url")
    locations = [url.findtext(f"{SITEMAP}loc") for url in urls]
    assert "http://testserver/" in locations
    assert "http://testserver/articles/" in locations
    assert "http://testserver/categories/sleep/" in locations
    assert f"http://testserver{live.get_absolute_url()}" in locations
    assert f"http://testserver{draft.get_absolute_url()}" not in locations
    entry = next(u for u in urls if live.slug in u.findtext(f"{SITEMAP}loc"))
    assert entry.findtext(f"{SITEMAP}lastmod") == live.updated_at.date().isoformat()


def test_rss_feed_lists_published_articles(client):
    live = ArticleFactory(title="Zinc live", standfirst="What zinc does.")
    ArticleFactory(title="Zinc draft", status=Article.Status.DRAFT, publish_at=None)
    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).find("channel").findall("item")
    assert [item.findtext("title") for item in items] == ["Zinc live"]
    assert items[0].findtext("link") == f"http://testserver{live.get_absolute_url()}"
    assert items[0].findtext("description") == "What zinc does."


def test_atom_feed_lists_published_articles(client):
    live = ArticleFactory(title="Zinc live")
    ArticleFactory(title="Zinc draft", status=Article.Status.DRAFT, publish_at=None)
    response = client.get("/feed/atom/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Zinc live"]
    assert entries[0].findtext(f"{ATOM}author/{ATOM}name") == live.author.name


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_pages_link_their_feeds(client):
    content = client.get("/").content.decode()
    assert 'type="application/rss+xml" title="HSLHealing (RSS)" href="/feed/"' in content
    assert 'type="application/atom+xml" title="HSLHealing (Atom)" href="/feed/atom/"' in content


def test_article_page_has_canonical_open_graph_and_twitter_tags(client):
    article = ArticleFactory(title="Zinc basics", meta_description="All about zinc.")
    content = client.get(f"{article.get_absolute_url()}?utm_source=news").content.decode()
    url = f"http://testserver{article.get_absolute_url()}"
    for tag in [
        f'<link rel="canonical" href="{url}">',
        '<meta property="og:type" content="article">',
        '<meta property="og:title" content="Zinc basics">',
        '<meta property="og:description" content="All about zinc.">',
        f'<meta property="og:url" content="{url}">',
        '<meta property="og:site_name" content="HSLHealing">',
        '<meta name="twitter:card" content="summary">',
        '<meta name="twitter:title" content="Zinc basics">',
        '<meta name="description" content="All about zinc.">',
    ]:
        assert tag in content, tag


def test_json_ld_describes_a_reviewed_medical_web_page_with_its_citations(client):
    reviewer = ContributorFactory(name="Dr. Rao", credentials="MD")
    article = ArticleFactory(
        title="Zinc basics",
        author__name="Sam Writer",
        medical_reviewer=reviewer,
        reviewed_on=datetime.date(2025, 3, 4),
    )
    reference = ReferenceFactory(title="Zinc review", url="https://example.org/zinc")
    CitationFactory(article=article, reference=reference)
    data = json_ld(client.get(article.get_absolute_url()).content.decode())
    article.refresh_from_db()
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["headline"] == "Zinc basics"
    assert data["url"] == f"http://testserver{article.get_absolute_url()}"
    author_url = f"http://testserver{article.author.get_absolute_url()}"
    reviewer_url = f"http://testserver{reviewer.get_absolute_url()}"
    assert data["author"] == {
        "@type": "Person",
        "@id": f"{author_url}#person",
        "url": author_url,
        "name": "Sam Writer",
    }
    assert data["reviewedBy"] == {
        "@type": "Person",
        "@id": f"{reviewer_url}#person",
        "url": reviewer_url,
        "name": "Dr. Rao",
        "honorificSuffix": "MD",
    }
    assert data["lastReviewed"] == "2025-03-04"
    assert data["datePublished"] == article.publish_at.isoformat(timespec="seconds")
    assert data["dateModified"] == article.updated_at.isoformat(timespec="seconds")
    assert data["citation"] == [
        {"@type": "CreativeWork", "name": "Zinc review", "url": "https://example.org/zinc"}
    ]


def test_json_ld_leaves_out_the_review_of_an_unreviewed_article(client):
    data = json_ld(client.get(ArticleFactory().get_absolute_url()).content.decode())
    assert "reviewedBy" not in data
    assert "lastReviewed" not in data


def test_stored_text_cannot_close_the_json_ld_script(client):
    hostile = "</script><script>alert(1)</script><!-- & -->"
    article = ArticleFactory(title=hostile, standfirst=hostile)
    CitationFactory(article=article, reference__title=hostile)
    content = client.get(article.get_absolute_url()).content.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    body = script.group(1)
    assert "<" not in body and ">" not in body and "&" not in body
    assert json.loads(body)["headline"] == hostile
    assert "<script>alert(1)" not in content


def test_drafts_are_not_indexed_but_live_articles_are(client, editor_client):
    live = ArticleFactory()
    draft = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    assert 'name="robots"' not in client.get(live.get_absolute_url()).content.decode()
    assert '<meta name="robots" content="noindex">' in (
        editor_client.get(draft.get_absolute_url()).content.decode()
    )


def test_the_500_page_renders_without_a_request():
    content = render_to_string("500.html")
    assert "Something went wrong on our side" in content
    assert content.count("<h1") == 1


@override_settings(DEBUG=False)
def test_the_500_page_is_served_when_a_view_fails(client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("articles.site.views.CappedPaginator.get_page", fail)
    client.raise_request_exception = False
    response = client.get("/articles/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/sitemap.xml", "/sitemap-articles.xml"])
def test_feeds_and_sitemap_run_the_same_queries_for_few_or_many_articles(client, url):
    first, _ = ArticleFactory.create_batch(2)
    if url == "/sitemap-articles.xml":
        # The page holding these articles: pages are id ranges, and on PostgreSQL ids go on
        # from earlier tests.
        url += f"?p={(first.pk - 1) // ArticleSitemap.limit + 1}"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    ArticleFactory.create_batch(40)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 6
