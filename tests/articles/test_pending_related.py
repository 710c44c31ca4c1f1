"""Pending "You may also like" titles: shown on the article's admin page, and linked by
themselves once an article with that title is published, whichever way it is published."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.editing import workflow
from articles.models import Article, PendingRelatedTitle, RelatedArticle
from tests.admin_forms import form_data_from_page
from tests.factories import ArticleFactory, ContributorFactory

pytestmark = pytest.mark.django_db

TITLE = "Selenium and the Thyroid"


@pytest.fixture
def waiting():
    """An article whose list names TITLE, which is not on the site yet."""
    article = ArticleFactory(title="Iodine basics")
    PendingRelatedTitle.objects.create(article=article, title=TITLE, position=2)
    return article


def reviewed_draft(**fields):
    return ArticleFactory(
        status=Article.Status.DRAFT,
        publish_at=None,
        medical_reviewer=ContributorFactory(),
        reviewed_on=timezone.localdate() - datetime.timedelta(days=1),
        **fields,
    )


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_the_change_page_lists_the_titles_waiting(admin_client, waiting):
    content = admin_client.get(change_url(waiting)).content.decode()
    assert "Titles waiting to be linked" in content
    assert f"<li>{TITLE}</li>" in content


def test_the_change_page_says_when_none_are_waiting(admin_client):
    article = ArticleFactory()
    assert "None: every title in the list is linked." in (
        admin_client.get(change_url(article)).content.decode()
    )


def test_publishing_through_the_workflow_links_the_title(waiting, publisher):
    article = reviewed_draft(title=TITLE.upper())
    workflow.publish_article(article=article, user=publisher)
    link = RelatedArticle.objects.get(article=waiting)
    assert (link.related, link.position) == (article, 2)
    assert not waiting.pending_related.exists()


def test_publishing_by_the_status_on_the_admin_page_links_the_title(client, waiting, publisher):
    article = reviewed_draft(title=TITLE)
    client.force_login(publisher)
    data = form_data_from_page(client.get(change_url(article)).content.decode())
    data |= {"status": "published"}
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert RelatedArticle.objects.get(article=waiting).related == article
    assert not waiting.pending_related.exists()


def test_saving_a_draft_with_that_title_links_nothing(admin_client, waiting):
    article = ArticleFactory(title=TITLE, status=Article.Status.DRAFT, publish_at=None)
    data = form_data_from_page(admin_client.get(change_url(article)).content.decode())
    assert admin_client.post(change_url(article), data).status_code == 302
    assert not RelatedArticle.objects.filter(article=waiting).exists()
    assert waiting.pending_related.get().title == TITLE
