"""Roles and workflow: editors write, medical reviewers record the review, publishers publish.

Every boundary is tried from both sides through the admin pages, the way a browser would: the
page is opened, its form is sent back with one change. A role's boundary holds when the field
is not on its page (so a posted value is ignored) or the save is refused with a message.
"""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.editing import workflow
from articles.models import Article
from tests.admin_forms import form_data_from_page
from tests.factories import ArticleFactory, ContributorFactory, SectionFactory

pytestmark = pytest.mark.django_db

REVIEW_DATE = datetime.date(2025, 3, 1)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def draft(**fields):
    return ArticleFactory(status=Article.Status.DRAFT, publish_at=None, **fields)


def reviewed_draft(**fields):
    return draft(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE, **fields)


def open_page(client, article):
    response = client.get(change_url(article))
    assert response.status_code == 200
    return response


def save(client, article, **changes):
    """Open the article's page, change what is given and save, as a browser would."""
    data = form_data_from_page(open_page(client, article).content.decode())
    data.update({name: "" if value is None else value for name, value in changes.items()})
    return client.post(change_url(article), data)


def form_fields(response):
    return response.context["adminform"].form.fields


def errors_text(response):
    return response.content.decode()


def assert_saved(response):
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


class TestEditors:
    def test_editor_changes_the_status_only_through_the_workflow_buttons(self, as_user, editor):
        """The status, the publish time and "featured" are shown, not offered: an editor's
        way forward is "Submit for review" (tests/articles/test_workflow_actions.py)."""
        response = open_page(as_user(editor), draft())
        assert not form_fields(response).keys() & {"status", "publish_at", "featured"}
        assert "Submit for review" in response.content.decode()

    @pytest.mark.parametrize("status", ["in_review", "published", "archived"])
    def test_a_status_posted_by_an_editor_is_ignored(self, as_user, editor, status):
        article = reviewed_draft()
        assert_saved(save(as_user(editor), article, status=status, featured="on"))
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT
        assert not article.featured

    @pytest.mark.parametrize("status", ["published", "archived"])
    def test_editor_sees_a_published_article_read_only(self, as_user, editor, status):
        """A change to a live article would reach readers unreviewed: editors cannot make it."""
        article = ArticleFactory(
            status=status, medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE
        )
        SectionFactory(article=article, heading="Live heading")
        response = open_page(as_user(editor), article)
        assert not response.context["has_change_permission"]
        assert not form_fields(response).keys() & {"title", "status", "publish_at"}
        assert 'name="sections-0-heading"' not in response.content.decode()

        data = form_data_from_page(response.content.decode())
        response = as_user(editor).post(change_url(article), {**data, "title": "Typo fixed"})
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.title != "Typo fixed"
        assert article.status == status

    def test_editor_who_also_publishes_changes_a_published_article(
        self, as_user, editor, publisher
    ):
        editor.groups.add(*publisher.groups.all())
        article = ArticleFactory(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE)
        assert_saved(save(as_user(editor), article, title="Typo fixed"))
        article.refresh_from_db()
        assert article.title == "Typo fixed"
        assert article.is_live

    def test_editor_changes_an_article_a_publisher_took_back_to_review(
        self, as_user, editor, publisher
    ):
        article = ArticleFactory(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE)
        assert_saved(save(as_user(publisher), article, status="in_review"))
        assert_saved(save(as_user(editor), article, title="Typo fixed"))
        article.refresh_from_db()
        assert (article.title, article.status) == ("Typo fixed", Article.Status.IN_REVIEW)

    def test_editor_cannot_record_a_review(self, as_user, editor):
        article = draft()
        response = open_page(as_user(editor), article)
        assert "medical_reviewer" not in form_fields(response)
        assert "reviewed_on" not in form_fields(response)
        reviewer = ContributorFactory()
        assert_saved(
            save(as_user(editor), article, medical_reviewer=reviewer.pk, reviewed_on="2025-03-01")
        )
        article.refresh_from_db()
        assert (article.medical_reviewer, article.reviewed_on) == (None, None)

    def test_editor_cannot_delete_articles(self, as_user, editor):
        article = draft()
        client = as_user(editor)
        assert 'class="deletelink"' not in open_page(client, article).content.decode()
        delete_url = reverse("admin:articles_article_delete", args=[article.pk])
        assert client.get(delete_url).status_code == 403
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert Article.objects.filter(pk=article.pk).exists()


class TestMedicalReviewers:
    def test_reviewer_records_who_reviewed_and_when(self, as_user, reviewer):
        article = draft()
        named = ContributorFactory(name="Dr Rita Reyes")
        assert_saved(
            save(as_user(reviewer), article, medical_reviewer=named.pk, reviewed_on="2025-03-01")
        )
        article.refresh_from_db()
        assert (article.medical_reviewer, article.reviewed_on) == (named, REVIEW_DATE)
        revision = Version.objects.get_for_object(article).get().revision
        assert revision.user == reviewer
        assert "medical reviewer" in revision.get_comment().lower()

    def test_reviewer_cannot_change_the_writing(self, as_user, reviewer):
        article = draft(title="Original title")
        section = SectionFactory(article=article, heading="Original heading")
        response = open_page(as_user(reviewer), article)
        fields = form_fields(response)
        assert "title" not in fields and "standfirst" not in fields
        assert 'name="sections-0-heading"' not in response.content.decode()

        assert_saved(
            save(as_user(reviewer), article, title="Changed", **{"sections-0-heading": "Changed"})
        )
        article.refresh_from_db()
        section.refresh_from_db()
        assert (article.title, section.heading) == ("Original title", "Original heading")

    def test_reviewer_cannot_change_the_status(self, as_user, reviewer):
        article = reviewed_draft()
        assert "status" not in form_fields(open_page(as_user(reviewer), article))
        assert_saved(save(as_user(reviewer), article, status="published"))
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT

    def test_reviewer_cannot_add_articles(self, as_user, reviewer):
        assert as_user(reviewer).get(reverse("admin:articles_article_add")).status_code == 403


class TestPublishers:
    def test_publisher_publishes_a_reviewed_article(self, as_user, publisher):
        article = reviewed_draft()
        assert_saved(save(as_user(publisher), article, status="published"))
        article.refresh_from_db()
        assert article.is_live

    def test_publisher_schedules_a_reviewed_article(self, as_user, publisher):
        article = reviewed_draft()
        when = timezone.localtime() + datetime.timedelta(days=7)
        assert_saved(
            save(
                as_user(publisher),
                article,
                status="published",
                publish_at_0=when.date().isoformat(),
                publish_at_1="08:30:00",
            )
        )
        article.refresh_from_db()
        assert article.is_scheduled

    @pytest.mark.parametrize("status", ["draft", "archived"])
    def test_publisher_unpublishes_and_archives(self, as_user, publisher, status):
        article = ArticleFactory(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE)
        assert_saved(save(as_user(publisher), article, status=status))
        article.refresh_from_db()
        assert article.status == status and not article.is_live

    def test_publisher_cannot_change_the_writing_or_the_review(self, as_user, publisher):
        article = reviewed_draft(title="Original title")
        reviewer = article.medical_reviewer
        fields = form_fields(open_page(as_user(publisher), article))
        assert {"title", "medical_reviewer", "reviewed_on"}.isdisjoint(fields)
        assert {"status", "publish_at"} <= set(fields)

        assert_saved(
            save(as_user(publisher), article, title="Changed", medical_reviewer="", reviewed_on="")
        )
        article.refresh_from_db()
        assert (article.title, article.medical_reviewer) == ("Original title", reviewer)


class TestPublishingNeedsAReview:
    @pytest.mark.parametrize("role", ["publisher", "superuser"])
    def test_publishing_without_a_recorded_review_is_refused(
        self, as_user, publisher, admin_user, role
    ):
        article = draft()
        client = as_user(publisher if role == "publisher" else admin_user)
        response = save(client, article, status="published")
        assert response.status_code == 200
        assert "This article has no recorded medical review" in errors_text(response)
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT

    def test_scheduling_without_a_review_is_refused(self, as_user, admin_user):
        article = draft()
        when = timezone.localtime() + datetime.timedelta(days=7)
        response = save(
            as_user(admin_user),
            article,
            status="published",
            publish_at_0=when.date().isoformat(),
            publish_at_1="08:30:00",
        )
        assert "This article has no recorded medical review" in errors_text(response)

    def test_a_review_cannot_be_removed_from_a_published_article(self, as_user, admin_user):
        article = ArticleFactory(medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE)
        response = save(as_user(admin_user), article, medical_reviewer="", reviewed_on="")
        assert response.status_code == 200
        assert "A published article keeps its recorded medical review" in errors_text(response)

    def test_superuser_records_the_review_and_publishes_in_one_save(self, as_user, admin_user):
        article = draft()
        reviewer = ContributorFactory()
        assert_saved(
            save(
                as_user(admin_user),
                article,
                status="published",
                medical_reviewer=reviewer.pk,
                reviewed_on="2025-03-01",
            )
        )
        article.refresh_from_db()
        assert article.is_live and article.medical_reviewer == reviewer


class TestRestoringKeepsTheWorkflow:
    def test_an_editor_restoring_a_published_version_does_not_republish(
        self, as_user, editor, publisher
    ):
        article = ArticleFactory(
            title="Published title", medical_reviewer=ContributorFactory(), reviewed_on=REVIEW_DATE
        )
        assert_saved(save(as_user(publisher), article))  # version 1: published
        published_version = Version.objects.get_for_object(article).get()
        assert_saved(save(as_user(publisher), article, status="draft"))
        assert_saved(save(as_user(editor), article, title="Draft title"))

        client = as_user(editor)
        url = reverse("admin:articles_article_revision", args=[article.pk, published_version.pk])
        response = client.get(url)
        assert response.status_code == 200
        assert client.post(url, form_data_from_page(response.content.decode())).status_code == 302

        article.refresh_from_db()
        assert article.title == "Published title"
        assert article.status == Article.Status.DRAFT


class TestServices:
    def test_publish_article_refuses_an_article_without_a_review(self, publisher):
        article = draft()
        with pytest.raises(ValidationError, match="no recorded medical review"):
            workflow.publish_article(article=article, user=publisher)
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT

    def test_publish_article_needs_the_publish_permission(self, editor):
        with pytest.raises(PermissionDenied):
            workflow.publish_article(article=reviewed_draft(), user=editor)

    def test_publish_article_publishes_now_and_keeps_a_version(self, publisher):
        article = workflow.publish_article(article=reviewed_draft(), user=publisher)
        article.refresh_from_db()
        assert article.is_live
        revision = Version.objects.get_for_object(article).get().revision
        assert (revision.user, revision.get_comment()) == (publisher, "Published.")

    def test_publish_article_schedules_a_future_time(self, publisher):
        when = timezone.now() + datetime.timedelta(days=3)
        article = workflow.publish_article(
            article=reviewed_draft(), user=publisher, publish_at=when
        )
        article.refresh_from_db()
        assert article.is_scheduled and article.publish_at == when

    def test_unpublish_and_archive_need_the_publish_permission(self, editor, publisher):
        article = ArticleFactory()
        with pytest.raises(PermissionDenied):
            workflow.archive_article(article=article, user=editor)
        workflow.unpublish_article(article=article, user=publisher)
        assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT
        workflow.archive_article(article=article, user=publisher)
        assert Article.objects.get(pk=article.pk).status == Article.Status.ARCHIVED

    def test_record_review_needs_the_review_permission(self, editor, reviewer):
        article, named = draft(), ContributorFactory()
        with pytest.raises(PermissionDenied):
            workflow.record_review(article=article, user=editor, reviewer=named)
        workflow.record_review(article=article, user=reviewer, reviewer=named)
        article.refresh_from_db()
        assert (article.medical_reviewer, article.reviewed_on) == (named, timezone.localdate())

    def test_submit_for_review_moves_a_draft_only(self, editor):
        article = workflow.submit_for_review(article=draft(), user=editor)
        assert Article.objects.get(pk=article.pk).status == Article.Status.IN_REVIEW
        with pytest.raises(ValidationError):
            workflow.submit_for_review(article=ArticleFactory(), user=editor)


class TestRoleGroups:
    @staticmethod
    def codenames(group_name):
        return set(
            Permission.objects.filter(group=Group.objects.get(name=group_name)).values_list(
                "codename", flat=True
            )
        )

    def test_medical_reviewers_read_everything_and_record_reviews(self):
        codenames = self.codenames("Medical reviewers")
        assert "review_article" in codenames
        assert {"view_article", "view_section", "view_study", "view_reference"} <= codenames
        assert {name for name in codenames if not name.startswith("view_")} == {"review_article"}

    def test_publishers_read_everything_and_publish(self):
        codenames = self.codenames("Publishers")
        assert {name for name in codenames if not name.startswith("view_")} == {"publish_article"}
        assert "view_rdarow" in codenames

    def test_editors_neither_publish_nor_review(self, editor):
        assert editor.has_perm("articles.change_article")
        assert not editor.has_perm("articles.publish_article")
        assert not editor.has_perm("articles.review_article")
