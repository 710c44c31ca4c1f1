"""
The article form of the admin: each role changes only what it may, and no edit is lost.

Who may change what is decided in `workflow.workflow_problems()` (the same rules the workflow
services apply); the admin also shows the fields a role may not change as read-only
(`ArticleAdmin.get_readonly_fields`). A field shown read-only is not in the form, so a value
posted for it is ignored; the rules here compare the stored values with the ones the save
would keep, so a crafted POST is refused with a message as well.

Edit conflicts: the form carries the article's `updated_at` (and the newest version in its
history) from when it was opened, in the hidden `edit_token`. If the article was saved in
between, the save is refused, naming who saved and linking to what they changed.
"""

import copy
import datetime

from django import forms
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ..models import Article, Citation, Contributor, RDARow, Study
from . import evidence, review, versioning, workflow

#: The fields `workflow.workflow_problems()` looks at.
WORKFLOW_FIELDS = ["status", "publish_at", "medical_reviewer", "reviewed_on"]
#: The publisher's acknowledgement of the retracted papers an article cites, asked on publishing.
ACKNOWLEDGE_FIELD = "acknowledge_retractions"


def edit_token(article):
    """What the form remembers of the article it opened: when it was last saved, and the
    newest version in its history then (to show what changed since)."""
    version = versioning.latest_version(article)
    return f"{article.updated_at.isoformat()}|{version.pk if version else ''}"


class ArticleAdminForm(forms.ModelForm):
    edit_token = forms.CharField(required=False, widget=forms.HiddenInput)
    # Shown to medical reviewers (ArticleAdmin.get_fieldsets); see editing/review.py.
    renew_review = forms.BooleanField(
        label=_("The medical review covers the article as it is now"),
        required=False,
        help_text=_(
            "Tick after reviewing the changes made since the review was recorded; the review "
            "then covers what readers see now. Set the review date to the day you reviewed it."
        ),
    )
    acknowledge_retractions = forms.BooleanField(
        label=_l("I have checked the retracted sources"),
        required=False,
        help_text=_l(
            "This article cites a retracted paper (see “Evidence” below). Publishing it needs "
            "this acknowledgement, which the article's history records."
        ),
    )
    #: Set by clean(): whether this save publishes an article citing retracted papers, with the
    #: publisher's acknowledgement (ArticleAdmin.log_change records it in the history).
    retractions_acknowledged = False

    #: Set per request by ArticleAdmin.get_form: who is saving, and the workflow state stored
    #: before this request (`workflow.workflow_state`), None for a new article.
    user = None
    stored_state = None

    class Meta:
        model = Article
        # The admin passes the fields of its fieldsets; these are the ones the rules need.
        fields = WORKFLOW_FIELDS
        help_texts = {
            "category": _l("Required: where the article is listed on the site."),
            "hero_image": _l(
                "JPEG, PNG or WebP; at most 5 MB. If the page comes back with an error, the "
                "image you chose is kept for the next save."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_token"].initial = edit_token(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            self._check_edit_conflict(cleaned_data.get("edit_token"))
        if self.user is not None and not any(name in self.errors for name in WORKFLOW_FIELDS):
            problems = workflow.workflow_problems(
                user=self.user, before=self.stored_state, after=self._state_after_save()
            )
            for name, message in problems.items():
                self.add_error(name if name in self.fields else None, message)
        if self.user is not None and not self.errors:
            self._check_review_covers_content()
        self._check_evidence(cleaned_data)
        return cleaned_data

    # A recorded review covers the content it saw (editing/review.py).

    def review_is_recorded_now(self):
        """Whether this save records the medical review (again): the review covers the
        content as saved."""
        after = self._state_after_save()
        before = self.stored_state or workflow.NEW_ARTICLE_STATE
        changed = (before["medical_reviewer"], before["reviewed_on"]) != (
            after["medical_reviewer"],
            after["reviewed_on"],
        )
        return changed or bool(self.cleaned_data.get("renew_review"))

    def _check_review_covers_content(self):
        if self.cleaned_data.get("renew_review") and not self.user.has_perm(
            "articles.review_article"
        ):
            # Not on this user's page: said above the form.
            self.add_error(None, _("Only a medical reviewer can record a medical review."))
            return
        before = self.stored_state or workflow.NEW_ARTICLE_STATE
        publishing = self._value_after_save("status") == Article.Status.PUBLISHED
        if not (self.instance.pk and publishing and before["status"] != Article.Status.PUBLISHED):
            return
        if self.review_is_recorded_now():
            return
        article = copy.copy(self.instance)
        article.title = self._value_after_save("title")
        article.standfirst = self._value_after_save("standfirst")
        disclaimers = self.cleaned_data.get("disclaimers") if "disclaimers" in self.fields else None
        fingerprint = review.content_fingerprint(article, disclaimers=disclaimers)
        if review.review_is_out_of_date(article, fingerprint=fingerprint):
            self.add_error("status", review.REVIEW_OUT_OF_DATE_MESSAGE)

    def _check_evidence(self, cleaned_data):
        """Publishing (from another status) applies `evidence.publishing_problems` to the
        article as stored: its figures and the references it cites."""
        before = (self.stored_state or {}).get("status")
        publishing = (
            self.instance.pk
            and self._value_after_save("status") == Article.Status.PUBLISHED
            and before != Article.Status.PUBLISHED
        )
        if not publishing:
            return
        acknowledged = bool(cleaned_data.get(ACKNOWLEDGE_FIELD))
        problems = evidence.publishing_problems(self.instance, acknowledge_retractions=acknowledged)
        if "figures" in problems:
            self.add_error("status" if "status" in self.fields else None, problems["figures"])
        if "retractions" in problems:
            field = ACKNOWLEDGE_FIELD if ACKNOWLEDGE_FIELD in self.fields else None
            self.add_error(field, problems["retractions"])
        self.retractions_acknowledged = (
            acknowledged and not problems and bool(evidence.retracted_references(self.instance))
        )

    def _value_after_save(self, name):
        """The value the save keeps: the submitted one, or the stored one for a read-only field."""
        if name in self.fields:
            return self.cleaned_data.get(name)
        return getattr(self.instance, name)

    def _state_after_save(self):
        reviewer = self._value_after_save("medical_reviewer")
        return {
            "status": self._value_after_save("status"),
            "publish_at": self._value_after_save("publish_at"),
            "medical_reviewer": reviewer.pk if reviewer else None,
            "reviewed_on": self._value_after_save("reviewed_on"),
        }

    # Edit conflicts.

    def _check_edit_conflict(self, token):
        # Every change page carries the token; a client that sends none is not checked.
        if not token:
            return
        opened, _separator, opened_version = token.partition("|")
        try:
            opened_at = datetime.datetime.fromisoformat(opened)
        except ValueError:
            raise forms.ValidationError(
                _("This page is out of date. Open the article again."), code="edit_conflict"
            ) from None
        stored = Article.objects.filter(pk=self.instance.pk)
        if transaction.get_connection().in_atomic_block:
            # Hold the row until this save ends, so two saves at once are taken one by one.
            stored = stored.select_for_update()
        stored_at = stored.values_list("updated_at", flat=True).first()
        if stored_at is None:
            raise forms.ValidationError(
                _("This article was deleted after you opened it; nothing was saved."),
                code="edit_conflict",
            )
        if stored_at != opened_at:
            raise forms.ValidationError(
                self._conflict_message(stored_at, opened_version), code="edit_conflict"
            )

    def _conflict_message(self, stored_at, opened_version):
        versions = list(versioning.versions_of(self.instance))
        if opened_version.isdigit():
            since = [version for version in versions if version.pk > int(opened_version)]
        else:
            since = versions
        names = []
        for version in reversed(since):
            name = versioning.saved_by(version)
            if name not in names:
                names.append(name)
        who = get_text_list(names, _("and")) if names else _("Someone")
        when = date_format(timezone.localtime(stored_at), "DATETIME_FORMAT")
        if since and opened_version.isdigit():
            url = reverse("admin:articles_article_compare", args=[self.instance.pk])
            url += f"?old={opened_version}&new={since[0].pk}"
        else:
            url = reverse("admin:articles_article_history", args=[self.instance.pk])
        return format_html(
            "{who} saved this article on {when}, after you opened it. Your changes have not "
            "been saved, so nothing of theirs is overwritten: "
            '<a href="{url}">review what they changed</a>, then open the article again and '
            "make your changes there (they are still on this page to copy).",
            who=who,
            when=when,
            url=url,
        )


# The parts of the article page, each rule said beside its field before a save can be refused
# for it (the rules themselves are in the models and in the admin's formsets).


class StudyInlineForm(forms.ModelForm):
    class Meta:
        model = Study
        fields = ["effect_figure", "finding", "year"]  # The inline lists the fields it shows.
        help_texts = {
            "effect_figure": _l(
                "The headline number, as readers see it: “20-30%”, “35%”, “30 million”. It must "
                "appear in the finding exactly as written here (same digits, dash and symbol)."
            ),
            "finding": _l(
                "What the study found, in plain words, with the effect figure written exactly "
                "as in “effect figure”."
            ),
            "year": _l("The year it was published; not a future year."),
        }


class RDARowInlineForm(forms.ModelForm):
    class Meta:
        model = RDARow
        fields = ["age_from", "age_to", "amount"]  # The inline lists the fields it shows.
        help_texts = {
            "age_from": _l(
                "Rows of the same life stage must not share an age: 19–30 years, then 31 years "
                "and older."
            ),
            "age_to": _l("Empty means “and older”; not below “age from”."),
            "amount": _l("Above zero, in the table's unit."),
        }


class CitationInlineForm(forms.ModelForm):
    class Meta:
        model = Citation
        fields = ["reference", "position"]
        help_texts = {
            "reference": _l("Each reference once per article; the list is numbered in this order."),
        }


# The workflow actions of the article page (ArticleAdmin.workflow_view), each posted from its
# own small form beside the article's.


class RecordReviewForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label=_("Reviewed by"),
        queryset=Contributor.objects.all(),
        help_text=_("The name readers see under the article."),
    )
    reviewed_on = forms.DateField(
        label=_("Reviewed on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today if left empty; never in the future."),
    )

    def clean_reviewed_on(self):
        reviewed_on = self.cleaned_data["reviewed_on"]
        if reviewed_on and reviewed_on > timezone.localdate():
            raise forms.ValidationError(_("A review date cannot be in the future."))
        return reviewed_on


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Goes live at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_publish_at(self):
        publish_at = self.cleaned_data["publish_at"]
        if publish_at <= timezone.now():
            raise forms.ValidationError(
                _("Choose a time in the future, or use “Publish now”."), code="past"
            )
        return publish_at
