"""
The editorial workflow: who may move an article from one status to another, and the writes that
do it (keyword-only, atomic, each recorded in the article's history).
"""

import reversion
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Article
from ..services import link_pending
from . import (
    evidence,
    review,
    versioning,  # noqa: F401  (registers the article's parts for history)
)

# Roles are groups holding permissions (migration 0007): Editors
# ("change_article") write and submit for review, Medical reviewers ("review_article") record
# the review, Publishers ("publish_article") publish, schedule, unpublish and archive. The
# admin form (editing/forms.py) applies the same rules through `workflow_problems()`.

#: Statuses only a publisher moves an article into or out of.
PUBLISHER_STATUSES = {Article.Status.PUBLISHED, Article.Status.ARCHIVED}

REVIEW_REQUIRED_MESSAGE = gettext_lazy(
    "This article has no recorded medical review, so it cannot be published or scheduled. "
    "A medical reviewer must first record who reviewed it and on which date."
)


def workflow_state(article):
    """The values the workflow rules look at, as stored on `article`."""
    return {
        "status": article.status,
        "publish_at": article.publish_at,
        "medical_reviewer": article.medical_reviewer_id,
        "reviewed_on": article.reviewed_on,
    }


#: The state a new article starts from.
NEW_ARTICLE_STATE = dict.fromkeys(["status", "publish_at", "medical_reviewer", "reviewed_on"])


def has_recorded_review(state):
    return bool(state["medical_reviewer"] and state["reviewed_on"])


def _same_time(first, second):
    """Equal to the second: forms send times without microseconds."""
    if first is None or second is None:
        return first is second
    return first.replace(microsecond=0) == second.replace(microsecond=0)


def workflow_problems(*, user, before, after):
    """What `user` may not do in going from state `before` to `after` (see `workflow_state`;
    `before` is None for a new article), as {field name: message for the editor}."""
    before = before or NEW_ARTICLE_STATE
    problems = {}
    review_changed = (before["medical_reviewer"], before["reviewed_on"]) != (
        after["medical_reviewer"],
        after["reviewed_on"],
    )
    if review_changed and not user.has_perm("articles.review_article"):
        problems["medical_reviewer"] = _(
            "Only a medical reviewer can record or change the medical review."
        )
    if not user.has_perm("articles.publish_article"):
        if after["status"] != before["status"] and after["status"] in PUBLISHER_STATUSES:
            problems["status"] = _(
                "Only a publisher can publish, schedule or archive an article. When it is "
                "ready, set it to “In review”."
            )
        elif after["status"] != before["status"] and before["status"] in PUBLISHER_STATUSES:
            problems["status"] = _(
                "Only a publisher can unpublish an article or bring back an archived one."
            )
        elif before["status"] in PUBLISHER_STATUSES and not _same_time(
            before["publish_at"], after["publish_at"]
        ):
            problems["publish_at"] = _(
                "Only a publisher can change when a published article goes live."
            )
    if after["status"] == Article.Status.PUBLISHED and not has_recorded_review(after):
        if before["status"] != Article.Status.PUBLISHED:
            problems.setdefault("status", str(REVIEW_REQUIRED_MESSAGE))
        elif has_recorded_review(before):
            problems.setdefault(
                "medical_reviewer",
                _(
                    "A published article keeps its recorded medical review. To take it back, "
                    "ask a publisher to unpublish the article first."
                ),
            )
    return problems


def _require(user, codename, message):
    if not (user.is_active and user.has_perm(f"articles.{codename}")):
        raise PermissionDenied(message)


def _save_with_revision(article, *, user, comment):
    """Check and save the article, keeping a version of it (and its page) in its history."""
    article.full_clean()
    with reversion.create_revision():
        article.save()
        reversion.set_user(user)
        reversion.set_comment(comment)
    return article


@transaction.atomic
def submit_for_review(*, article, user):
    """Editors hand a draft over for medical review and publishing."""
    _require(user, "change_article", _("Only an editor can submit an article for review."))
    if article.status != Article.Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for review."))
    article.status = Article.Status.IN_REVIEW
    return _save_with_revision(article, user=user, comment=_("Submitted for review."))


@transaction.atomic
def record_review(*, article, user, reviewer, reviewed_on=None):
    """A medical reviewer records who reviewed the article (`reviewer`, a Contributor: the
    name readers see) and when (today unless given). The account that recorded it is kept
    in the article's history."""
    _require(user, "review_article", _("Only a medical reviewer can record a medical review."))
    article.medical_reviewer = reviewer
    article.reviewed_on = reviewed_on or timezone.localdate()
    # The review covers what readers see now (editing/review.py).
    article.reviewed_content = review.content_fingerprint(article)
    article.review_out_of_date = False
    comment = _("Medical review recorded: %(reviewer)s, %(date)s.") % {
        "reviewer": reviewer,
        "date": date_format(article.reviewed_on),
    }
    return _save_with_revision(article, user=user, comment=comment)


@transaction.atomic
def publish_article(*, article, user, publish_at=None, acknowledge_retractions=False):
    """Publish the article now, or schedule it for `publish_at` when that is in the future.
    Refused without the publish permission, for an article with no recorded medical review or
    one whose review is out of date (editing/review.py), with figures not tied to a source when
    `settings.REQUIRE_SOURCED_FIGURES`, and for an article citing a retracted paper unless
    `acknowledge_retractions` (then recorded in the history)."""
    _require(user, "publish_article", _("Only a publisher can publish or schedule an article."))
    if not has_recorded_review(workflow_state(article)):
        raise ValidationError(REVIEW_REQUIRED_MESSAGE, code="review_required")
    if review.review_is_out_of_date(article):
        raise ValidationError(review.REVIEW_OUT_OF_DATE_MESSAGE, code="review_out_of_date")
    problems = evidence.publishing_problems(
        article, acknowledge_retractions=acknowledge_retractions
    )
    if problems:
        raise ValidationError(list(problems.values()), code="evidence")
    article.status = Article.Status.PUBLISHED
    article.publish_at = publish_at or timezone.now()
    if article.publish_at > timezone.now():
        comment = _("Scheduled for %(time)s.") % {
            "time": date_format(timezone.localtime(article.publish_at), "DATETIME_FORMAT")
        }
    else:
        comment = _("Published.")
    if evidence.retracted_references(article):
        comment = f"{comment} {evidence.acknowledgement_comment(article)}"
    _save_with_revision(article, user=user, comment=comment)
    link_pending(article)
    return article


@transaction.atomic
def unpublish_article(*, article, user):
    """Take a published or scheduled article off the site; it goes back to draft."""
    _require(user, "publish_article", _("Only a publisher can unpublish an article."))
    article.status = Article.Status.DRAFT
    return _save_with_revision(article, user=user, comment=_("Unpublished."))


@transaction.atomic
def archive_article(*, article, user):
    """Retire an article instead of deleting it: readers no longer see it, its history stays."""
    _require(user, "publish_article", _("Only a publisher can archive an article."))
    article.status = Article.Status.ARCHIVED
    return _save_with_revision(article, user=user, comment=_("Archived."))


#: The workflow actions of the article page, in the order they are offered.
ACTIONS = ["submit", "record_review", "publish", "schedule", "unpublish", "archive"]


def available_actions(*, user, article):
    """The workflow actions `user` may take on `article` now (names from ACTIONS), as the
    services above would allow them. Publishing and scheduling also need a recorded medical
    review; `publish_blocked_by_review()` says when that is what stops them."""
    actions = []
    is_editor = user.has_perm("articles.change_article")
    is_publisher = user.has_perm("articles.publish_article")
    if is_editor and article.status == Article.Status.DRAFT:
        actions.append("submit")
    if user.has_perm("articles.review_article") and article.status != Article.Status.ARCHIVED:
        actions.append("record_review")
    if is_publisher and has_recorded_review(workflow_state(article)) and not article.is_live:
        actions += ["publish", "schedule"]
    if is_publisher and article.status == Article.Status.PUBLISHED:
        actions.append("unpublish")
    if is_publisher and article.status != Article.Status.ARCHIVED:
        actions.append("archive")
    return actions


def publish_blocked_by_review(*, user, article):
    """True when `user` could publish `article` but for its missing medical review."""
    return (
        user.has_perm("articles.publish_article")
        and not article.is_live
        and article.status != Article.Status.ARCHIVED
        and not has_recorded_review(workflow_state(article))
    )


@transaction.atomic
def restore_version(*, article, version, user):
    """Bring back `version` (from `versioning.versions_of(article)`) of the article: its text
    and every part of its page, parts added since removed. The workflow rules hold as for any
    save by `user`: the status and schedule stay as they are unless `user` may publish, the
    medical review unless `user` may record one; what is left must pass `workflow_problems`.
    The restore is a new version in the history, saved by `user`."""
    _require(user, "change_article", _("Only an editor can restore a version."))
    if article.status in PUBLISHER_STATUSES and not user.has_perm("articles.publish_article"):
        raise PermissionDenied(_("Only a publisher can change a published or archived article."))
    if version.object_id != str(article.pk) or version.content_type.model_class() is not Article:
        raise ValidationError(_("That version is not one of this article's."))
    before = workflow_state(article)
    version.revision.revert(delete=True)
    restored = Article.objects.get(pk=article.pk)
    if not user.has_perm("articles.publish_article"):
        restored.status, restored.publish_at = before["status"], before["publish_at"]
    if not user.has_perm("articles.review_article"):
        restored.medical_reviewer_id = before["medical_reviewer"]
        restored.reviewed_on = before["reviewed_on"]
    problems = workflow_problems(user=user, before=before, after=workflow_state(restored))
    if problems:
        raise ValidationError(problems)
    comment = _("Reverted to previous version, saved on %(datetime)s") % {
        "datetime": date_format(
            timezone.localtime(version.revision.date_created), "DATETIME_FORMAT"
        )
    }
    _save_with_revision(restored, user=user, comment=comment)
    if restored.status == Article.Status.PUBLISHED:
        link_pending(restored)
    return restored
