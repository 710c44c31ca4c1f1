"""The home page, the article list, and the category and tag pages: published articles only,
paginated forgivingly, in a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from articles.models import Article
from articles.site.views import PAGE_SIZE
from tests.factories import ArticleFactory, CategoryFactory, TagFactory

pytestmark = pytest.mark.django_db


def unpublished_articles(**fields):
    """One article of each kind readers must not see."""
    return [
        ArticleFactory(status=Article.Status.DRAFT, publish_at=None, **fields),
        ArticleFactory(status=Article.Status.IN_REVIEW, publish_at=None, **fields),
        ArticleFactory(status=Article.Status.ARCHIVED, publish_at=None, **fields),
        ArticleFactory(publish_at=timezone.now() + datetime.timedelta(days=1), **fields),
    ]


def titles_in(response):
    return [article.title for article in response.context["page_obj"]]


def test_home_shows_featured_articles_first_then_the_latest(client):
    old = ArticleFactory(title="Old news", publish_at=timezone.now() - datetime.timedelta(days=9))
    new = ArticleFactory(title="Fresh news")
    featured = ArticleFactory(title="Editors' pick", featured=True)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["featured"] == [featured]
    assert list(response.context["latest"]) == [new, old]
    content = response.content.decode()
    assert content.index("Editors&#x27; pick") < content.index("Fresh news")


def test_home_shows_only_published_articles(client):
    hidden = unpublished_articles(featured=True)
    content = client.get("/").content.decode()
    for article in hidden:
        assert article.title not in content


def test_home_without_articles_says_so(client):
    assert "No articles have been published yet" in client.get("/").content.decode()


def test_article_list_is_newest_first_and_published_only(client):
    older = ArticleFactory(publish_at=timezone.now() - datetime.timedelta(days=3))
    newer = ArticleFactory(publish_at=timezone.now() - datetime.timedelta(hours=1))
    unpublished_articles()
    assert titles_in(client.get("/articles/")) == [newer.title, older.title]


def test_article_list_is_paginated(client):
    ArticleFactory.create_batch(PAGE_SIZE + 2)
    first = client.get("/articles/")
    second = client.get("/articles/?page=2")
    assert len(titles_in(first)) == PAGE_SIZE
    assert len(titles_in(second)) == 2
    assert 'href="?page=2"' in first.content.decode()
    assert 'href="?page=1"' in second.content.decode()


@pytest.mark.parametrize(
    ("page", "shown"), [("abc", 1), ("999", 2), ("0", 2), ("-1", 2), ("", 1), ("2.5", 1)]
)
def test_a_page_number_that_does_not_fit_shows_a_real_page(client, page, shown):
    ArticleFactory.create_batch(PAGE_SIZE + 1)
    response = client.get(f"/articles/?page={page}")
    assert response.status_code == 200
    assert response.context["page_obj"].number == shown


def test_canonical_address_of_a_list_page_keeps_only_its_page_number(client):
    ArticleFactory.create_batch(PAGE_SIZE + 1)
    content = client.get("/articles/?page=2&utm_source=x").content.decode()
    assert '<link rel="canonical" href="http://testserver/articles/?page=2">' in content


def test_category_page_lists_its_published_articles(client):
    category = CategoryFactory(name="Sleep", slug="sleep")
    mine = ArticleFactory(category=category)
    ArticleFactory()
    unpublished_articles(category=category)
    response = client.get("/categories/sleep/")
    assert response.status_code == 200
    assert titles_in(response) == [mine.title]
    assert "<h1>Sleep</h1>" in response.content.decode()


def test_category_without_articles_is_404(client):
    CategoryFactory(slug="empty")
    assert client.get("/categories/empty/").status_code == 404


def test_category_whose_articles_are_all_unpublished_is_404(client):
    """Its name would tell readers what is being written before it is published."""
    category = CategoryFactory(name="Secret launch", slug="secret")
    unpublished_articles(category=category)
    response = client.get("/categories/secret/")
    assert response.status_code == 404
    assert "Secret launch" not in response.content.decode()


def test_tag_page_lists_its_published_articles(client):
    tag = TagFactory(name="Zinc", slug="zinc")
    mine = ArticleFactory()
    mine.tags.add(tag)
    ArticleFactory()
    for article in unpublished_articles():
        article.tags.add(tag)
    response = client.get("/tags/zinc/")
    assert response.status_code == 200
    assert titles_in(response) == [mine.title]


def test_tag_page_lists_newest_first_page_after_page(client, monkeypatch):
    monkeypatch.setattr("articles.site.views.PAGE_SIZE", 2)
    tag = TagFactory(slug="zinc")
    now = timezone.now()
    tagged = [
        ArticleFactory(title=f"{days} days old", publish_at=now - datetime.timedelta(days=days))
        for days in (3, 1, 4, 2, 5)
    ]
    for article in tagged:
        article.tags.add(tag)
    ArticleFactory(title="Untagged, newest", publish_at=now)
    pages = [titles_in(client.get(f"/tags/zinc/?page={number}")) for number in (1, 2, 3)]
    assert pages == [["1 days old", "2 days old"], ["3 days old", "4 days old"], ["5 days old"]]


@pytest.mark.parametrize("url", ["/categories/nope/", "/tags/nope/", "/articles/nope/"])
def test_unknown_addresses_get_the_friendly_404_page(client, url):
    response = client.get(url)
    assert response.status_code == 404
    content = response.content.decode()
    assert "We can’t find that page" in content
    assert content.count("<h1") == 1


def test_navigation_lists_categories_with_published_articles(client):
    ArticleFactory(category=CategoryFactory(name="Sleep", slug="sleep"))
    ArticleFactory(
        category=CategoryFactory(name="Secret", slug="secret"),
        status=Article.Status.DRAFT,
        publish_at=None,
    )
    navigation = client.get("/").content.decode().split('<nav class="site-nav"')[1]
    navigation = navigation.split("</nav>")[0]
    assert '<a href="/categories/sleep/">Sleep</a>' in navigation
    assert "Secret" not in navigation
    assert '<a href="/" aria-current="page">Home</a>' in navigation


@pytest.mark.parametrize("count", [2, 40])
@pytest.mark.parametrize("url", ["/", "/articles/", "/categories/listed/", "/tags/listed/"])
def test_lists_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks, url, count
):
    # Committed, as a real save is: the commit starts the new content generation.
    with django_capture_on_commit_callbacks(execute=True):
        category = CategoryFactory(slug="listed")
        tag = TagFactory(slug="listed")
        for article in ArticleFactory.create_batch(count, category=category, featured=True):
            article.tags.add(tag)
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/", "/articles/", "/categories/listed/", "/tags/listed/"])
def test_every_list_page_has_one_h1(client, url):
    category = CategoryFactory(slug="listed")
    ArticleFactory(category=category).tags.add(TagFactory(slug="listed"))
    assert client.get(url).content.decode().count("<h1") == 1
