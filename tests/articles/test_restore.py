"""Restoring a version is a service (`workflow.restore_version`): the workflow rules for the
user hold, and the restore is a version of its own in the history."""

import datetime

import pytest
import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.editing import versioning, workflow
from articles.models import Article
from tests.factories import ArticleFactory, ContributorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def saved_version(article, comment):
    with reversion.create_revision():
        article.save()
        reversion.set_comment(comment)
    return versioning.latest_version(article)


@pytest.fixture
def draft_with_history():
    """A draft whose first version had another title and a section since deleted."""
    article = ArticleFactory(title="First title", status=Article.Status.DRAFT, publish_at=None)
    section = SectionFactory(article=article, heading="Kept in the first version")
    first = saved_version(article, "First.")
    section.delete()
    article.title = "Second title"
    saved_version(article, "Second.")
    return article, first


def test_restoring_brings_back_the_text_and_parts_and_records_who(draft_with_history, editor):
    article, first = draft_with_history
    restored = workflow.restore_version(article=article, version=first, user=editor)
    assert restored.title == "First title"
    assert list(restored.sections.values_list("heading", flat=True)) == [
        "Kept in the first version"
    ]
    latest = versioning.latest_version(restored)
    assert latest.revision.user == editor
    assert "Reverted to previous version" in latest.revision.get_comment()


def test_an_editor_restoring_keeps_the_status_and_review_as_they_are(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    first = saved_version(article, "First.")
    article.status = Article.Status.IN_REVIEW
    article.medical_reviewer = ContributorFactory()
    article.reviewed_on = timezone.localdate() - datetime.timedelta(days=1)
    article.save()
    restored = workflow.restore_version(article=article, version=first, user=editor)
    assert restored.status == Article.Status.IN_REVIEW
    assert restored.medical_reviewer == article.medical_reviewer


def test_a_published_article_is_a_publishers_to_restore(editor):
    article = ArticleFactory()
    first = saved_version(article, "First.")
    with pytest.raises(PermissionDenied):
        workflow.restore_version(article=article, version=first, user=editor)


def test_a_version_of_another_article_is_refused(draft_with_history, editor):
    article, _first = draft_with_history
    other = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    foreign = saved_version(other, "Other.")
    with pytest.raises(ValidationError, match="not one of this article's"):
        workflow.restore_version(article=article, version=foreign, user=editor)
