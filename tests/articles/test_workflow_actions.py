"""The workflow as buttons on the article page: each role sees the actions it can take, each
button posts to its own URL (CSRF-protected, permission-checked) and calls the workflow service,
which records the step in the article's history."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from tests.factories import ArticleFactory, ContributorFactory

pytestmark = pytest.mark.django_db

REVIEW_DATE = datetime.date(2025, 3, 1)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def action_url(article, action):
    return reverse("admin:articles_article_workflow", args=[article.pk, action])


def draft(**fields):
    return ArticleFactory(status=Article.Status.DRAFT, publish_at=None, **fields)


def reviewed(**fields):
    return draft(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE, **fields)


def offered(client, article):
    response = client.get(change_url(article))
    assert response.status_code == 200
    return [action["name"] for action in response.context["workflow_actions"]]


def test_each_role_is_offered_its_own_buttons(client, editor, reviewer, publisher):
    article = reviewed()
    client.force_login(editor)
    assert offered(client, article) == ["submit"]
    client.force_login(reviewer)
    assert offered(client, article) == ["record_review"]
    client.force_login(publisher)
    assert offered(client, article) == ["publish", "schedule", "archive"]
    page = client.get(change_url(article)).content.decode()
    assert "Publish now" in page and "Schedule…" in page


def test_a_live_article_offers_the_publisher_unpublish(client, publisher):
    article = ArticleFactory(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE)
    client.force_login(publisher)
    assert offered(client, article) == ["unpublish", "archive"]


def test_publisher_is_told_when_the_missing_review_blocks_publishing(client, publisher):
    article = draft()
    client.force_login(publisher)
    response = client.get(change_url(article))
    assert "publish" not in offered(client, article)
    assert "Publishing needs a recorded medical review first." in response.content.decode()


def test_editor_submits_for_review_with_the_button(client, editor):
    article = draft()
    client.force_login(editor)
    response = client.post(action_url(article, "submit"))
    assert response.status_code == 302 and response.url == change_url(article)
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    comments = Version.objects.get_for_object(article).values_list("revision__comment", flat=True)
    assert "Submitted for review." in comments


def test_reviewer_records_the_review(client, reviewer):
    article = ArticleFactory(status=Article.Status.IN_REVIEW, publish_at=None)
    who = ContributorFactory(name="Dr Ada Lind")
    client.force_login(reviewer)
    client.post(action_url(article, "record_review"), {"reviewer": who.pk, "reviewed_on": ""})
    article.refresh_from_db()
    assert article.medical_reviewer == who
    assert article.reviewed_on == timezone.localdate()


def test_a_review_dated_in_the_future_is_refused_with_a_message(client, reviewer):
    article = draft()
    client.force_login(reviewer)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        action_url(article, "record_review"),
        {"reviewer": ContributorFactory().pk, "reviewed_on": tomorrow.isoformat()},
        follow=True,
    )
    assert "A review date cannot be in the future." in response.content.decode()
    article.refresh_from_db()
    assert article.reviewed_on is None


def test_publisher_publishes_now_schedules_and_unpublishes(client, publisher):
    article = reviewed()
    client.force_login(publisher)
    client.post(action_url(article, "publish"))
    article.refresh_from_db()
    assert article.is_live

    client.post(action_url(article, "unpublish"))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT

    when = timezone.localtime() + datetime.timedelta(days=2)
    client.post(action_url(article, "schedule"), {"publish_at": when.strftime("%Y-%m-%dT%H:%M")})
    article.refresh_from_db()
    assert article.is_scheduled
    assert article.publish_at == when.replace(second=0, microsecond=0)


def test_scheduling_in_the_past_is_refused(client, publisher):
    article = reviewed()
    client.force_login(publisher)
    past = timezone.localtime() - datetime.timedelta(days=1)
    response = client.post(
        action_url(article, "schedule"),
        {"publish_at": past.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )
    assert "Choose a time in the future" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


@pytest.mark.parametrize("action", ["publish", "schedule", "unpublish", "archive", "record_review"])
def test_an_editor_cannot_post_another_roles_action(client, editor, action):
    article = reviewed()
    client.force_login(editor)
    assert client.post(action_url(article, action)).status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_actions_answer_only_posts(client, editor):
    client.force_login(editor)
    assert client.get(action_url(draft(), "submit")).status_code == 405


def test_actions_need_the_csrf_token(editor):
    article = draft()
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(action_url(article, "submit")).status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_an_unknown_action_is_404(client, publisher):
    client.force_login(publisher)
    assert client.post(action_url(reviewed(), "delete_everything")).status_code == 404
