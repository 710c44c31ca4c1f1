"""
The workflow as buttons on the article page: each role sees the actions it may take
(editing/workflow.py's `available_actions`), each a POST to `workflow_view` calling the service
that checks the role again. Mixed into `ArticleAdmin`.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..editing import (
    save_feedback,
    versioning,
    workflow,
)
from ..editing.forms import (
    RecordReviewForm,
    ScheduleForm,
)


class WorkflowActionsMixin:
    # Workflow actions: the buttons on the article page, each a POST to workflow_view calling
    # the service in editing/workflow.py (which checks the role again).

    WORKFLOW_LABELS = {
        "submit": _("Submit for review"),
        "record_review": _("Record review"),
        "publish": _("Publish now"),
        "schedule": _("Schedule…"),
        "unpublish": _("Unpublish"),
        "archive": _("Archive"),
    }

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "POST" and context.get("errors"):
            self._say_where_the_errors_are(request, context)
        if obj is not None and obj.pk:
            names = workflow.available_actions(user=request.user, article=obj)
            context["workflow_actions"] = [
                {
                    "name": name,
                    "label": self.WORKFLOW_LABELS[name],
                    "url": reverse("admin:articles_article_workflow", args=[obj.pk, name]),
                }
                for name in names
            ]
            context["workflow_review_form"] = RecordReviewForm(
                initial={"reviewer": obj.medical_reviewer_id}, auto_id="id_review_%s"
            )
            context["workflow_schedule_form"] = ScheduleForm(auto_id="id_schedule_%s")
            context["publish_needs_review"] = workflow.publish_blocked_by_review(
                user=request.user, article=obj
            )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _say_where_the_errors_are(self, request, context):
        """A refused save: every error's place above the form (editing/save_feedback.py)."""
        form = context["adminform"].form
        context["error_locations"] = save_feedback.error_locations(
            form, context["inline_admin_formsets"]
        )

    def workflow_view(self, request, object_id, action):
        """Take one workflow action on the article (POST only), then go back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self.article_not_found(request, object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        if action not in workflow.available_actions(user=request.user, article=article):
            if action not in self.WORKFLOW_LABELS:
                raise Http404
            raise PermissionDenied
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        try:
            done = self._take_workflow_action(request, article, action)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(change_url)
        if done:
            self.log_change(request, article, done)
            self.message_user(request, f"“{article.title}”: {done}", messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def _take_workflow_action(self, request, article, action):
        """Call the service for `action`; the history comment it wrote, or raise
        ValidationError with what the editor must correct."""
        user = request.user
        if action == "submit":
            workflow.submit_for_review(article=article, user=user)
        elif action == "record_review":
            form = RecordReviewForm(request.POST)
            if not form.is_valid():
                raise ValidationError([m for ms in form.errors.values() for m in ms])
            workflow.record_review(
                article=article,
                user=user,
                reviewer=form.cleaned_data["reviewer"],
                reviewed_on=form.cleaned_data["reviewed_on"],
            )
        elif action == "publish":
            workflow.publish_article(article=article, user=user)
        elif action == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise ValidationError([m for ms in form.errors.values() for m in ms])
            workflow.publish_article(
                article=article, user=user, publish_at=form.cleaned_data["publish_at"]
            )
        elif action == "unpublish":
            workflow.unpublish_article(article=article, user=user)
        elif action == "archive":
            workflow.archive_article(article=article, user=user)
        return versioning.latest_version(article).revision.comment
