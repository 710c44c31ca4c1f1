"""The sitemap names contributors' pages (of people named on a published article) and the site
pages (the editorial policy); Editors may keep the policy up to date in the admin."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Contributor, SitePage
from tests.factories import ArticleFactory, ContributorFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_locations(client):
    """Every address of every section the sitemap index names, with its entry."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    entries = {}
    for section in index.iter(f"{SITEMAP}loc"):
        root = ET.fromstring(client.get(section.text.removeprefix("http://testserver")).content)
        entries |= {url.findtext(f"{SITEMAP}loc"): url for url in root.iter(f"{SITEMAP}url")}
    return entries


def test_sitemap_lists_authors_and_reviewers_of_published_articles_only(client):
    author, reviewer, drafter, nobody = (ContributorFactory() for _ in range(4))
    ArticleFactory(author=author, medical_reviewer=reviewer, reviewed_on=datetime.date(2025, 3, 4))
    ArticleFactory(author=drafter, status=Article.Status.DRAFT, publish_at=None)
    locations = sitemap_locations(client)
    for person in (author, reviewer):
        assert f"http://testserver{person.get_absolute_url()}" in locations
    for person in (drafter, nobody):
        assert f"http://testserver{person.get_absolute_url()}" not in locations


def test_contributors_named_on_published_articles_are_their_authors_and_reviewers_once_each():
    author, reviewer, both, scheduled, drafter, archived, nobody = (
        ContributorFactory(name=f"Person {n}") for n in range(7)
    )
    reviewed_on = datetime.date(2025, 3, 4)
    ArticleFactory(author=author, medical_reviewer=both, reviewed_on=reviewed_on)
    ArticleFactory(author=both, medical_reviewer=reviewer, reviewed_on=reviewed_on)
    ArticleFactory(author=both)
    ArticleFactory(author=scheduled, publish_at=timezone.now() + datetime.timedelta(days=1))
    ArticleFactory(
        author=drafter,
        medical_reviewer=drafter,
        reviewed_on=reviewed_on,
        status=Article.Status.DRAFT,
    )
    ArticleFactory(author=archived, status=Article.Status.ARCHIVED)
    named = list(Contributor.objects.named_on_published_articles())
    assert named == [author, reviewer, both]
    assert nobody not in named


def test_sitemap_lists_the_editorial_policy_with_its_last_change(client):
    policy = SitePage.objects.get(slug=SitePage.EDITORIAL_POLICY)
    entry = sitemap_locations(client)["http://testserver/editorial-policy/"]
    assert entry.findtext(f"{SITEMAP}lastmod") == policy.updated_at.date().isoformat()


def test_editors_may_change_the_editorial_policy(editor_client, client):
    policy = SitePage.objects.get(slug=SitePage.EDITORIAL_POLICY)
    response = editor_client.post(
        reverse("admin:articles_sitepage_change", args=[policy.pk]),
        {"title": "How we work", "slug": "editorial-policy", "body": "<p>Reviewed yearly.</p>"},
    )
    assert response.status_code == 302
    assert "<p>Reviewed yearly.</p>" in client.get("/editorial-policy/").content.decode()


def test_editors_may_not_add_or_delete_site_pages(editor):
    assert editor.has_perm("articles.change_sitepage")
    assert not editor.has_perm("articles.add_sitepage")
    assert not editor.has_perm("articles.delete_sitepage")
