"""
The page cache for anonymous readers: cached pages cost no query, any change to what a page
shows is seen at once, scheduled articles appear on time, signed-in editors and previews are
never served from it, and browsers revalidate with a 304.
"""

import datetime
from functools import partial
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Disclaimer
from articles.site import page_cache
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ContributorFactory,
    RDARowFactory,
    RDATableFactory,
    SectionFactory,
    StudyFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, page_cache_off):
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Commit a change as a real save does: the cache is forgotten when its transaction commits
    (the test's own transaction never does)."""
    return partial(django_capture_on_commit_callbacks, execute=True)


def served_from_cache(client, url, django_assert_num_queries):
    """Ask twice; the second answer must cost no query at all. Returns its text."""
    assert client.get(url).status_code == 200
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/articles/",
        "/search/?q=zinc",
        "/feed/",
        "/sitemap.xml",
        "/robots.txt",
    ],
)
def test_a_public_page_is_served_again_without_a_query(client, url, django_assert_num_queries):
    ArticleFactory(title="Zinc basics")
    served_from_cache(client, url, django_assert_num_queries)


def test_the_article_page_is_served_again_without_a_query(client, django_assert_num_queries):
    article = ArticleFactory()
    content = served_from_cache(client, article.get_absolute_url(), django_assert_num_queries)
    assert f"<h1>{article.title}</h1>" in content


def test_each_query_string_is_a_page_of_its_own(client, committed):
    with committed():  # the search vector is stored at the commit
        ArticleFactory(title="Zinc basics")
        ArticleFactory(title="Iron basics")
    assert "Zinc basics" in client.get("/search/?q=zinc").content.decode()
    iron = client.get("/search/?q=iron").content.decode()
    assert "Iron basics" in iron
    assert "Zinc basics" not in iron


def change_title(article):
    article.title = "Changed title"
    article.save()


def add_section(article):
    SectionFactory(article=article, heading="Changed title")


def change_section(article):
    section = article.sections.get()
    section.heading = "Changed title"
    section.save()


def delete_section(article):
    article.sections.get().delete()


def change_study(article):
    study = StudyFactory(section=article.sections.get(), finding="Old finding.")
    study.finding = "Changed title"
    study.save()


def change_intake_table(article):
    RDARowFactory(table=RDATableFactory(article=article, nutrient="Changed title"))


def change_reference(article):
    reference = CitationFactory(article=article).reference
    reference.title = "Changed title"
    reference.save()


def change_disclaimer(article):
    disclaimer = Disclaimer.objects.defaults().first()
    disclaimer.body = "<p>Changed title</p>"
    disclaimer.save()


def change_author(article):
    author = article.author
    author.name = "Changed title"
    author.save()


def add_tag(article):
    article.tags.add(TagFactory(name="Changed title"))


@pytest.mark.parametrize(
    "change",
    [
        change_title,
        add_section,
        change_section,
        change_study,
        change_intake_table,
        change_reference,
        change_disclaimer,
        change_author,
        add_tag,
    ],
)
def test_a_change_to_what_the_page_shows_is_seen_at_once(client, committed, change):
    article = ArticleFactory(title="First title")
    SectionFactory(article=article, heading="First heading")
    url = article.get_absolute_url()
    assert "Changed title" not in client.get(url).content.decode()
    with committed():
        change(article)
    assert "Changed title" in client.get(url).content.decode()


def test_deleting_a_section_is_seen_at_once(client, committed):
    article = ArticleFactory()
    SectionFactory(article=article, heading="Soon gone")
    assert "Soon gone" in client.get(article.get_absolute_url()).content.decode()
    with committed():
        delete_section(article)
    assert "Soon gone" not in client.get(article.get_absolute_url()).content.decode()


def test_unpublishing_takes_the_article_off_the_home_page_at_once(client, committed):
    article = ArticleFactory(title="Soon withdrawn")
    assert "Soon withdrawn" in client.get("/").content.decode()
    article.status = Article.Status.ARCHIVED
    with committed():
        article.save()
    assert "Soon withdrawn" not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_scheduled_article_appears_at_its_time_without_a_save(client):
    publish_at = timezone.now() + datetime.timedelta(minutes=5)
    ArticleFactory(title="Published later", publish_at=publish_at)
    ArticleFactory(title="Published already")
    home = client.get("/").content.decode()
    assert "Published already" in home
    assert "Published later" not in home

    just_before = publish_at - datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=just_before):
        assert "Published later" not in client.get("/").content.decode()
    with mock.patch("django.utils.timezone.now", return_value=publish_at):
        assert "Published later" in client.get("/").content.decode()


def test_signed_in_editors_are_never_served_a_cached_page(editor_client):
    client = Client()
    article = ArticleFactory(title="Reader's view")
    assert "Reader's view" in client.get(article.get_absolute_url()).content.decode()
    # A change made without signals: the cached page keeps the old title for readers ...
    Article.objects.filter(pk=article.pk).update(title="Changed without a signal")
    assert "Reader's view" in client.get(article.get_absolute_url()).content.decode()
    # ... but a signed-in editor always gets the page made afresh.
    editor_view = editor_client.get(article.get_absolute_url()).content.decode()
    assert "Changed without a signal" in editor_view


def test_pages_of_signed_in_editors_are_not_stored(editor_client):
    """What an editor was shown is never given to a reader."""
    client = Client()
    article = ArticleFactory(title="Reader's view")
    assert editor_client.get(article.get_absolute_url()).status_code == 200
    Article.objects.filter(pk=article.pk).update(title="Changed without a signal")
    assert "Changed without a signal" in client.get(article.get_absolute_url()).content.decode()


def test_a_preview_seen_by_an_editor_stays_hidden_from_readers(editor_client):
    client = Client()
    draft = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    assert editor_client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_an_unknown_page_is_not_stored(client, django_assert_max_num_queries):
    client.get("/articles/no-such-article/")
    with django_assert_max_num_queries(10) as queries:
        assert client.get("/articles/no-such-article/").status_code == 404
    assert len(queries) > 0


def test_the_admin_is_never_cached(admin_client):
    admin_client.get(reverse("admin:articles_article_changelist"))
    anonymous = Client()
    response = anonymous.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302  # to the login page, not a stored changelist


def test_a_cached_page_revalidates_with_a_304(client):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    assert first["ETag"]
    assert first["Last-Modified"]
    assert "public" in first["Cache-Control"]
    assert "max-age=0" in first["Cache-Control"]

    again = client.get(article.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_after_a_change_the_old_etag_gets_the_new_page(client, committed):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    with committed():
        change_title(article)
    again = client.get(article.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert "Changed title" in again.content.decode()


def test_with_the_page_cache_off_every_request_reaches_the_view(
    client, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    article = ArticleFactory()
    client.get(article.get_absolute_url())
    with django_assert_max_num_queries(10) as queries:
        client.get(article.get_absolute_url())
    assert len(queries) > 0


def test_a_contributor_renamed_is_seen_on_the_listing_at_once(client, committed):
    author = ContributorFactory(name="Ada Lovelace")
    ArticleFactory(author=author)
    assert "Ada Lovelace" in client.get("/articles/").content.decode()
    author.name = "Ada King"
    with committed():
        author.save()
    assert "Ada King" in client.get("/articles/").content.decode()


def test_a_change_saved_through_another_worker_is_seen_once_the_local_copy_expires(
    client, monkeypatch
):
    """Each worker trusts its own copy of the generation for LOCAL_GENERATION_SECONDS, then asks
    the shared cache again. The expiry is simulated, so the test waits on no clock."""
    kept_for = []
    real_set = page_cache.local_cache.set

    def set_and_note(key, value, timeout=None, **kwargs):
        if key == page_cache.GENERATION_KEY:
            kept_for.append(timeout)
            timeout = None  # kept until the test ends it, however slow the machine
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(page_cache.local_cache, "set", set_and_note)
    article = ArticleFactory(title="First title")
    url = article.get_absolute_url()
    assert "First title" in client.get(url).content.decode()
    assert kept_for and set(kept_for) == {page_cache.LOCAL_GENERATION_SECONDS}
    # Another worker saves: it forgets the shared generation; this worker's copy is untouched.
    Article.objects.filter(pk=article.pk).update(title="Changed title")
    cache.delete(page_cache.GENERATION_KEY)
    assert "First title" in client.get(url).content.decode()
    page_cache.local_cache.delete(page_cache.GENERATION_KEY)  # its time is up
    assert "Changed title" in client.get(url).content.decode()


def test_a_worker_takes_pages_another_worker_stored(client, django_assert_num_queries):
    article = ArticleFactory()
    url = article.get_absolute_url()
    content = client.get(url).content
    page_cache.local_cache.clear()  # a worker that has served nothing yet
    with django_assert_num_queries(0):
        assert client.get(url).content == content


# Trust boundaries: what a request can make other readers see, and how much it can store.


@pytest.mark.parametrize("url", ["article", "/feed/", "/sitemap.xml", "/robots.txt"])
def test_a_forged_port_in_the_host_never_reaches_other_readers(client, url):
    """Django ignores the port when it checks ALLOWED_HOSTS; pages hold absolute addresses."""
    article = ArticleFactory()
    url = article.get_absolute_url() if url == "article" else url
    forged = client.get(url, headers={"host": "127.0.0.1:31337"})
    assert "127.0.0.1:31337" in forged.content.decode(), "the attack's own answer names it"
    normal = client.get(url, headers={"host": "127.0.0.1"}).content.decode()
    assert ":31337" not in normal
    assert "http://127.0.0.1/" in normal


def test_the_canonical_og_and_json_ld_addresses_follow_the_readers_host(client):
    article = ArticleFactory()
    url = article.get_absolute_url()
    client.get(url, headers={"host": "localhost"})
    page = client.get(url, headers={"host": "127.0.0.1"}).content.decode()
    assert f'<link rel="canonical" href="http://127.0.0.1{url}">' in page
    assert f'content="http://127.0.0.1{url}"' in page  # og:url
    assert f'"http://127.0.0.1{url}"' in page  # JSON-LD
    assert "localhost" not in page


def test_a_page_kept_for_https_is_not_given_to_http_readers(client):
    client.get("/feed/", secure=True)
    assert "https://" not in client.get("/feed/").content.decode()


def test_a_cached_page_refuses_a_host_that_is_not_allowed(client, django_assert_num_queries):
    article = ArticleFactory()
    served_from_cache(client, article.get_absolute_url(), django_assert_num_queries)
    response = client.get(article.get_absolute_url(), headers={"host": "evil.example"})
    assert response.status_code == 400


@pytest.fixture
def stored_keys(monkeypatch):
    """The keys the middleware stores pages under, as it stores them."""
    keys = []
    store = page_cache.store_page

    def recording(key, generation, response):
        keys.append(key)
        return store(key, generation, response)

    monkeypatch.setattr(page_cache, "store_page", recording)
    return keys


def test_unknown_query_parameters_never_make_a_new_cache_entry(client, stored_keys):
    ArticleFactory(title="Zinc basics")
    for n in range(5):
        assert "Zinc basics" in client.get(f"/articles/?utm={n}").content.decode()
    assert stored_keys == [], "a page rendered for foreign parameters is not stored"
    client.get("/articles/")
    for n in range(5, 10):
        client.get(f"/articles/?utm={n}")
    assert len(set(stored_keys)) == 1


def test_a_page_with_unknown_parameters_is_served_the_page_without_them(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # indexed for search at commit
        ArticleFactory(title="Zinc basics")
    client.get("/search/?q=zinc")
    with django_assert_num_queries(0):
        response = client.get("/search/?q=zinc&utm_source=newsletter")
    assert "Zinc basics" in response.content.decode()
    assert "utm_source" not in response.content.decode()


def test_the_order_of_known_parameters_does_not_make_a_new_entry(client, stored_keys):
    ArticleFactory.create_batch(13)
    client.get("/search/?q=basics&page=2")
    client.get("/search/?page=2&q=basics")
    assert len(stored_keys) == 1


def test_a_repeated_parameter_is_not_stored(client, stored_keys):
    client.get("/search/?q=zinc&q=iron")
    assert stored_keys == []


# Forgetting pages: one new generation per committed transaction.


@pytest.fixture
def generations_started(monkeypatch):
    started = []
    start = page_cache.start_generation

    def counting(*args, **kwargs):
        started.append(1)
        return start(*args, **kwargs)

    monkeypatch.setattr(page_cache, "start_generation", counting)
    return started


def test_a_transaction_of_many_changes_starts_one_generation(
    django_capture_on_commit_callbacks, generations_started
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        article = ArticleFactory()
        SectionFactory(article=article)
        change_title(article)
    assert len(callbacks) > 1
    assert len(generations_started) == 1


def test_a_rolled_back_change_does_not_stop_the_next_from_starting_a_generation(
    django_capture_on_commit_callbacks, generations_started
):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        ArticleFactory()
        raise Undo
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory()
    assert len(generations_started) == 1
