"""
The article's admin page: a whole article is written on one page.

Sections (with their studies nested inside), RDA tables (with their rows), citations and
"You may also like" links are inlines of the article (inlines.py), sortable by drag and drop
(django-nested-admin). The changelist runs a fixed number of queries whatever its length. The
workflow buttons are in workflow.py, the list filters in filters.py.
"""

import nested_admin
import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ImageField
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin

from .. import services
from ..editing import (
    evidence,
    kept_uploads,
    review,
    unchanged,
    versioning,
    workflow,
)
from ..editing.changelist import CappedChangeList, EstimatedCountPaginator
from ..editing.dashboard import EditedByFilter, ReferenceProblemFilter, ScheduleFilter
from ..editing.forms import (
    ACKNOWLEDGE_FIELD,
    WORKFLOW_FIELDS,
    ArticleAdminForm,
)
from ..import_views import ImportArticleView
from ..models import (
    Article,
    Disclaimer,
)
from ..models.derived import refresh_changed_text
from .exports import ExportActionsMixin
from .filters import CitesRetractedFilter, DueForReviewFilter, UnlinkedFiguresFilter
from .inlines import (
    CitationInline,
    OneEmptyFormPerInline,
    RDATableInline,
    RelatedArticleInline,
    SectionInline,
    StudyInline,
    with_renew_review,
    writing_is_locked,
)
from .library import CitedReferenceFilter, warn_about_broken_references
from .workflow import WorkflowActionsMixin


def _version_or_404(versions, version_id):
    if not (version_id or "").isdigit():
        raise Http404("Choose two versions to compare.")
    return get_object_or_404(versions, pk=int(version_id))


@admin.register(Article)
class ArticleAdmin(
    ExportActionsMixin, WorkflowActionsMixin, VersionAdmin, nested_admin.NestedModelAdmin
):
    inlines = [SectionInline, RDATableInline, CitationInline, RelatedArticleInline]
    inline_admin_formset_helper_cls = OneEmptyFormPerInline
    list_display = [
        "title",
        "status",
        "publish_at",
        "medical_reviewer",
        "reviewed_on",
        "reference_count",
        "evidence",
        "updated_at",
    ]
    list_filter = [
        "status",
        "category",
        "medical_reviewer",
        DueForReviewFilter,
        "review_out_of_date",
        "featured",
        CitesRetractedFilter,
        UnlinkedFiguresFilter,
        "publish_at",
        CitedReferenceFilter,
        # The dashboard's lists (editing/dashboard.py) link to the changelist through these.
        EditedByFilter,
        ScheduleFilter,
        ReferenceProblemFilter,
    ]
    list_select_related = ["medical_reviewer"]
    search_fields = ["title", "slug", "standfirst"]
    # Flat at any size (articles/editing/changelist.py): an estimated count, no second count
    # of the whole table, and every order offered has its index (Article.Meta.indexes). The
    # publish date is a filter rather than a date hierarchy, whose years read every row.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    sortable_by = ["title", "status", "publish_at", "reviewed_on", "updated_at"]
    ordering = ["-publish_at", "-created_at"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["category", "tags", "author", "medical_reviewer"]
    # The hero image's own checks (type, size, pixels) answer before Django's generic one, and
    # an image chosen on a refused save is kept for the next one (editing/kept_uploads.py).
    formfield_overrides = {
        ImageField: {
            "form_class": kept_uploads.KeptHeroImageField,
            "widget": kept_uploads.KeptImageInput,
        }
    }
    readonly_fields = [
        "public_page",
        "pending_related_titles",
        "created_at",
        "updated_at",
        "evidence_summary",
    ]
    # Roles and history: see "Roles and workflow" below.
    form = ArticleAdminForm
    history_latest_first = True
    # django-reversion's VersionAdmin names its own templates; ours extend Django's and add
    # "Recover deleted articles" (change list) and version comparison (history).
    change_list_template = "admin/articles/article/change_list.html"
    change_form_template = "admin/articles/article/change_form.html"
    object_history_template = "admin/articles/article/object_history.html"
    compare_template = "admin/articles/article/compare.html"
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", ("category", "tags")]}),
        (
            _("Publishing"),
            {"fields": [("status", "publish_at"), "featured", "public_page"]},
        ),
        (
            _("Authorship and medical review"),
            {"fields": ["author", ("medical_reviewer", "reviewed_on"), "attribution"]},
        ),
        (_("Hero image"), {"fields": ["hero_image", "hero_image_alt"]}),
        (_("Search engines"), {"fields": ["meta_description"]}),
        (_("Disclaimers"), {"fields": ["disclaimers"]}),
        (_("You may also like"), {"fields": ["pending_related_titles"]}),
        (_("Evidence"), {"fields": ["evidence_summary"]}),
        (_("History"), {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]

    actions = [
        "export_selected_csv",
        "export_selected_xlsx",
        "export_selected_json",
        "export_markdown",
        "export_references_ris",
        "export_references_bibtex",
        "export_references_csl_json",
        "export_references_nlm",
    ]

    def get_changelist(self, request, **kwargs):
        return CappedChangeList

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer("search_vector")
        return queryset.with_reference_count().with_evidence()

    def get_urls(self):
        export = path(
            "export/<str:file_format>/",
            self.admin_site.admin_view(self.export_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_export",
        )
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_compare",
        )
        import_article = path(
            "import/",
            self.admin_site.admin_view(ImportArticleView.as_view(model_admin=self)),
            name=f"{self.opts.app_label}_{self.opts.model_name}_import",
        )
        workflow_action = path(
            "<path:object_id>/workflow/<str:action>/",
            self.admin_site.admin_view(self.workflow_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_workflow",
        )
        return [export, compare, import_article, workflow_action, *super().get_urls()]

    # Roles and workflow. Editors write ("change_article"), medical reviewers record the
    # review ("review_article"), publishers publish, schedule, unpublish and archive
    # ("publish_article"); reviewers and publishers open the same page, with what they may not
    # change shown read-only. ArticleAdminForm refuses whatever crosses a role's boundary
    # anyway, and refuses a save over someone else's (edit conflict).

    def has_review_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.review_article")

    def has_publish_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.publish_article")

    def has_write_permission(self, request, obj=None):
        """May change the writing itself: Django's own "change article" permission, and once
        the article is published or archived, a publisher's too (see `writing_is_locked`)."""
        return super().has_change_permission(request, obj) and not writing_is_locked(
            request.user, obj
        )

    def has_change_permission(self, request, obj=None):
        return (
            self.has_write_permission(request, obj)
            or self.has_review_permission(request)
            or self.has_publish_permission(request)
        )

    def has_recover_permission(self, request):
        """Whoever may delete articles may bring a deleted one back."""
        return (
            self.has_delete_permission(request)
            and self.has_add_permission(request)
            and self.has_write_permission(request)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *others = fieldsets
        if self.has_publish_permission(request) and evidence.retracted_references(obj):
            others = [
                (
                    other_name,
                    {**other_options, "fields": [*other_options["fields"], ACKNOWLEDGE_FIELD]},
                )
                if other_name == _("Publishing")
                else (other_name, other_options)
                for other_name, other_options in others
            ]
        fieldsets = [(name, {**options, "fields": [*options["fields"], "edit_token"]}), *others]
        if self.has_review_permission(request) and obj.medical_reviewer_id:
            fieldsets = with_renew_review(fieldsets)
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_write_permission(request, obj):
            readonly += [
                name
                for name in flatten_fieldsets(super().get_fieldsets(request, obj))
                if name not in WORKFLOW_FIELDS
            ]
        if not self.has_review_permission(request):
            readonly += ["medical_reviewer", "reviewed_on"]
        # Without the publish permission, the status is set only on an article one may write:
        # a draft or one in review (see `writing_is_locked`), to hand it over for review.
        # Without the publish permission, the status moves only through the workflow buttons
        # ("Submit for review", see `workflow_view`), and when or how prominently an article
        # goes live is not this role's to set.
        if not self.has_publish_permission(request):
            readonly += ["status", "publish_at", "featured"]
        return list(dict.fromkeys(readonly))

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        form.stored_state = workflow.workflow_state(obj) if obj is not None else None
        return form

    # History (django-reversion, registered in editing/versioning.py): every save keeps the
    # article with its sections, studies, tables, rows, citations and links.

    def history_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        context = {
            "versions": versioning.versions_of(article) if article is not None else [],
            "can_restore": self.has_write_permission(request, article),
        }
        return super().history_view(request, object_id, context | (extra_context or {}))

    def article_not_found(self, request, object_id):
        """What Django's own change page does for a missing article: say so and go to the
        admin's index."""
        message = _("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?") % {
            "name": self.opts.verbose_name,
            "key": unquote(object_id),
        }
        self.message_user(request, message, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:index", current_app=self.admin_site.name))

    def compare_view(self, request, object_id):
        """Field-by-field differences between two versions, and what happened to the parts."""
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self.article_not_found(request, object_id)
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        versions = versioning.versions_of(article)
        old, new = (_version_or_404(versions, request.GET.get(name)) for name in ["old", "new"])
        if (old.revision.date_created, old.pk) > (new.revision.date_created, new.pk):
            old, new = new, old
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare versions of “%(title)s”") % {"title": article.title},
            "subtitle": None,
            "opts": self.opts,
            "object": article,
            "comparison": versioning.compare_versions(old, new),
            "can_restore": self.has_write_permission(request, article),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.compare_template, context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """GET: the version on the change form (django-reversion's preview, rolled back).
        POST: restore it through `workflow.restore_version`, which applies the workflow rules
        for this user and records the restore in the history."""
        if not self.has_write_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self.article_not_found(request, object_id)
        if request.method != "POST":
            return super().revision_view(request, object_id, version_id, extra_context)
        version = _version_or_404(versioning.versions_of(article), version_id)
        try:
            restored = workflow.restore_version(article=article, version=version, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(
            request,
            _("The version of %(date)s was restored.")
            % {"date": formats.date_format(version.revision.date_created, "DATETIME_FORMAT")},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[restored.pk]
            )
        )

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    def delete_model(self, request, obj):
        # Keep the article as it is now, with all its parts, so it can be recovered.
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(str(_("Deleted.")))
            reversion.add_to_revision(obj)
        super().delete_model(request, obj)

    def get_actions(self, request):
        # Articles are deleted one at a time from their own page, after confirming, so each
        # one is kept in the history first (delete_model) and can be recovered.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "disclaimers":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("disclaimers", list(Disclaimer.objects.defaults()))
        return initial

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            warn_about_broken_references(request, article_id=unquote(object_id))
            review.warn_if_out_of_date(request, self.get_object(request, unquote(object_id)))
        if request.method == "POST" and unchanged.UNCHANGED_FIELD in request.POST:
            self._put_back_unchanged_sections(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def _put_back_unchanged_sections(self, request, object_id):
        """The page's script left out the sections nobody touched (editing/unchanged.py):
        put back their stored values before the formsets read the form."""
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_change_permission(request, article):
            return
        inlines = self.get_inline_instances(request, article)
        section_inline = next(inline for inline in inlines if isinstance(inline, SectionInline))
        study_inline = next(
            inline
            for inline in section_inline.get_inline_instances(request, article)
            if isinstance(inline, StudyInline)
        )
        request.POST = unchanged.complete_unchanged_sections(
            request.POST,
            article=article,
            section_form=section_inline.get_formset(request, article).form,
            study_form=study_inline.get_formset(request, None).form,
        )

    @admin.display(description=_("references"))
    def reference_count(self, article):
        return article.reference_count

    @admin.display(description=_("figures linked"), ordering="unlinked_figure_count")
    def evidence(self, article):
        """“5 of 7 figures linked · 1 disagrees · 1 retracted source”."""
        parts = [
            _("%(linked)d of %(count)d linked")
            % {"linked": article.linked_figure_count, "count": article.figure_count}
        ]
        if article.disagreement_count:
            parts.append(
                ngettext("%(count)d disagrees", "%(count)d disagree", article.disagreement_count)
                % {"count": article.disagreement_count}
            )
        if article.retracted_source_count:
            parts.append(
                ngettext(
                    "%(count)d retracted source",
                    "%(count)d retracted sources",
                    article.retracted_source_count,
                )
                % {"count": article.retracted_source_count}
            )
        return " · ".join(str(part) for part in parts)

    @admin.display(description=_("evidence"))
    def evidence_summary(self, article):
        if not article.pk:
            return _("Shown after the first save.")
        return render_to_string(
            "admin/articles/article/evidence.html", {"report": evidence.evidence_report(article)}
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "POST" and context.get("errors"):
            # Refused: the chosen hero image is kept for the next attempt.
            kept_uploads.after_refused_save(context["adminform"].form, request.POST, "hero_image")
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The image kept from a refused attempt is in the article now, or was replaced.
        transaction.on_commit(lambda: kept_uploads.after_save(request.POST, "hero_image"))
        # Recorded in the history by log_change, with the change message.
        request.retractions_acknowledged = form.retractions_acknowledged

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if getattr(request, "retractions_acknowledged", False) and reversion.is_active():
            comment = entry.get_change_message() or _("Changed.")
            reversion.set_comment(f"{comment} {evidence.acknowledgement_comment(obj)}")
        return entry

    @admin.display(description=_("public page"))
    def public_page(self, article):
        if not article.pk:
            return _("Available after the first save.")
        label = _("View on site") if article.is_live else _("Preview (only editors can see it)")
        return format_html('<a href="{}" target="_blank">{}</a>', article.get_absolute_url(), label)

    @admin.display(description=_("titles waiting to be linked"))
    def pending_related_titles(self, article):
        """The "You may also like" titles of articles not on the site yet (from an import);
        each becomes a link by itself once an article with that title is published."""
        titles = article.pending_related.all() if article.pk else []
        if not titles:
            return _("None: every title in the list is linked.")
        return format_html(
            '<ul class="pending-related">{}</ul>',
            format_html_join("", "<li>{}</li>", ((pending.title,) for pending in titles)),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.cite_study_references(article=form.instance)
        # The article and every inline are saved: its word count and search vector, once.
        refresh_changed_text(article_ids=[form.instance.pk])
        if form.review_is_recorded_now():
            review.record_coverage(form.instance)
        if form.instance.status == Article.Status.PUBLISHED:
            # Published here rather than through the workflow: the titles waiting for it
            # in other articles' "You may also like" become links all the same.
            services.link_pending(form.instance)
