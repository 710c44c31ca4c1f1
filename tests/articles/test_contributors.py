"""Contributors' pages, the bylines that link to them and the editorial policy articles link to."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, SitePage
from tests.factories import ArticleFactory, ContributorFactory

pytestmark = pytest.mark.django_db


def json_ld(content):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    return json.loads(match.group(1))


def reviewed_article(reviewer, **fields):
    return ArticleFactory(
        medical_reviewer=reviewer, reviewed_on=datetime.date(2025, 3, 4), **fields
    )


def test_contributor_page_shows_who_they_are(client):
    ContributorFactory(
        name="Dr. Rao", slug="dr-rao", credentials="MD, PhD", bio="Nephrologist.\n\nWrites on zinc."
    )
    response = client.get("/contributors/dr-rao/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Dr. Rao</h1>" in content
    assert '<p class="profile-credentials">MD, PhD</p>' in content
    assert "<p>Nephrologist.</p>" in content and "<p>Writes on zinc.</p>" in content


def test_missing_credentials_say_not_stated(client):
    person = ContributorFactory(credentials="")
    assert "Credentials not stated" in client.get(person.get_absolute_url()).content.decode()


def test_contributor_page_lists_published_articles_written_and_reviewed(client):
    person = ContributorFactory()
    ArticleFactory(author=person, title="Zinc written")
    reviewed_article(person, title="Iron reviewed")
    ArticleFactory(author=person, title="Draft by them", status=Article.Status.DRAFT)
    reviewed_article(person, title="Archived review", status=Article.Status.ARCHIVED)
    content = client.get(person.get_absolute_url()).content.decode()
    written = content.split('id="written-heading"')[1].split("</section>")[0]
    reviewed = content.split('id="reviewed-heading"')[1].split("</section>")[0]
    assert "Zinc written" in written and "Iron reviewed" not in written
    assert "Iron reviewed" in reviewed and "Zinc written" not in reviewed
    assert "Draft by them" not in content
    assert "Archived review" not in content


def test_contributor_page_lists_their_newest_articles_and_says_there_are_older(client, monkeypatch):
    monkeypatch.setattr("articles.site.views.CONTRIBUTOR_LISTED", 2)
    person = ContributorFactory(name="Dr. Rao")
    now = timezone.now()
    for days in (3, 1, 2):
        ArticleFactory(
            author=person,
            title=f"Written {days} days ago",
            publish_at=now - datetime.timedelta(days=days),
        )
        if days < 3:
            reviewed_article(person, title=f"Reviewed {days} days ago")
    content = client.get(person.get_absolute_url()).content.decode()
    written = content.split('id="written-heading"')[1].split("</section>")[0]
    reviewed = content.split('id="reviewed-heading"')[1].split("</section>")[0]
    assert written.index("Written 1 days ago") < written.index("Written 2 days ago")
    assert "Written 3 days ago" not in content
    assert "These are the newest articles Dr. Rao wrote." in written
    assert "Reviewed 1 days ago" in reviewed and "Reviewed 2 days ago" in reviewed
    assert "newest articles Dr. Rao reviewed" not in content


def test_contributor_without_published_articles_says_so(client):
    person = ContributorFactory()
    ArticleFactory(author=person, status=Article.Status.DRAFT)
    assert "No published articles yet." in client.get(person.get_absolute_url()).content.decode()


def test_contributor_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    person = ContributorFactory()
    for _ in range(5):
        ArticleFactory(author=person)
        reviewed_article(person)
    with django_assert_max_num_queries(5):
        client.get(person.get_absolute_url())


def test_unknown_contributor_is_404(client):
    assert client.get("/contributors/nobody/").status_code == 404


def test_contributor_page_describes_the_person_in_json_ld(client):
    person = ContributorFactory(
        name="Dr. Rao", slug="dr-rao", credentials="MD", bio="Nephrologist."
    )
    data = json_ld(client.get(person.get_absolute_url()).content.decode())
    url = "http://testserver/contributors/dr-rao/"
    assert data == {
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "url": url,
        "mainEntity": {
            "@type": "Person",
            "@id": f"{url}#person",
            "url": url,
            "name": "Dr. Rao",
            "honorificSuffix": "MD",
            "description": "Nephrologist.",
        },
    }


def test_article_json_ld_people_point_at_their_pages(client):
    reviewer = ContributorFactory(slug="dr-rao")
    article = reviewed_article(reviewer, author__slug="sam")
    data = json_ld(client.get(article.get_absolute_url()).content.decode())
    assert data["author"]["@id"] == "http://testserver/contributors/sam/#person"
    assert data["reviewedBy"]["url"] == "http://testserver/contributors/dr-rao/"
    assert data["publishingPrinciples"] == "http://testserver/editorial-policy/"


def test_card_byline_links_to_the_author(client):
    article = ArticleFactory(author__name="Sam Writer", author__slug="sam")
    content = client.get(reverse("articles:list")).content.decode()
    assert '<a href="/contributors/sam/">Sam Writer</a>' in content
    assert article.title in content


def test_editorial_policy_page_is_there_from_the_first_migration(client):
    content = client.get("/editorial-policy/").content.decode()
    assert "<h1>Editorial policy</h1>" in content
    for part in ["written", "reviewed", "corrected", "kept up to date"]:
        assert f"How articles are {part}." in content


def test_article_footer_and_site_footer_link_to_the_editorial_policy(client):
    content = client.get(ArticleFactory().get_absolute_url()).content.decode()
    disclaimers = content.split('<footer class="disclaimers">')[1].split("</footer>")[0]
    assert '<a href="/editorial-policy/">our editorial policy</a>' in disclaimers
    site_footer = content.split('<footer class="site-footer">')[1]
    assert '<a href="/editorial-policy/">Editorial policy</a>' in site_footer


def test_policy_edited_in_the_admin_is_what_readers_see(admin_client, client):
    policy = SitePage.objects.get(slug=SitePage.EDITORIAL_POLICY)
    response = admin_client.post(
        reverse("admin:articles_sitepage_change", args=[policy.pk]),
        {"title": "How we work", "slug": "editorial-policy", "body": "<p>New text.</p>"},
    )
    assert response.status_code == 302
    content = client.get("/editorial-policy/").content.decode()
    assert "<h1>How we work</h1>" in content and "<p>New text.</p>" in content


def test_site_page_body_is_sanitised_on_save(client):
    SitePage.objects.create(
        title="About", slug="about", body='<p onclick="x()">Hi<script>alert(1)</script></p>'
    )
    content = client.get("/pages/about/").content.decode()
    assert "<p>Hi</p>" in content
    assert "alert(1)" not in content and "onclick" not in content


def test_unknown_site_page_is_404(client):
    assert client.get("/pages/no-such-page/").status_code == 404
