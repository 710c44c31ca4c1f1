"""
The editors' admin: a whole article is written on one page.

Sections (with their studies nested inside), RDA tables (with their rows), citations and
"You may also like" links are inlines of the article, sortable by drag and drop
(django-nested-admin). The changelist runs a fixed number of queries whatever its length.
"""

import nested_admin
import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Func, ImageField, IntegerField, OuterRef, Subquery, Value
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin

from references.admin import ReferenceAdmin, link_health
from references.models import Reference

from . import exports, services
from .editing import (
    evidence,
    review,
    save_feedback,
    shared_content,
    unchanged,
    versioning,
    workflow,
)
from .editing.changelist import EstimatedCountPaginator
from .editing.dashboard import EditedByFilter, ReferenceProblemFilter, ScheduleFilter
from .editing.forms import (
    ACKNOWLEDGE_FIELD,
    WORKFLOW_FIELDS,
    ArticleAdminForm,
    CitationInlineForm,
    RDARowInlineForm,
    RecordReviewForm,
    ScheduleForm,
    StudyInlineForm,
)
from .import_views import ImportArticleView
from .models import (
    Article,
    Category,
    Citation,
    Contributor,
    Disclaimer,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    SitePage,
    Study,
    Tag,
    find_overlapping_rows,
    overlap_message,
)
from .models.derived import refresh_changed_text
from .textformat import markdown
from .validators import HeroImageFormField


def _kept_forms(formset):
    """The forms of a cleaned formset whose rows will be saved: filled in and not deleted."""
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None)
        and not (formset.can_delete and form.cleaned_data.get("DELETE"))
    ]


class RDARowFormSet(nested_admin.NestedInlineFormSet):
    def clean(self):
        super().clean()
        overlap = find_overlapping_rows(form.instance for form in _kept_forms(self))
        if overlap:
            raise forms.ValidationError(overlap_message(*overlap))


class CitationFormSet(nested_admin.NestedInlineFormSet):
    def clean(self):
        # Before Django's own duplicate check, so the editor reads which reference it is.
        seen = set()
        for form in _kept_forms(self):
            reference = form.cleaned_data.get("reference")
            if not isinstance(reference, Reference):
                # Empty, or a read-only row (a role that may not change citations).
                continue
            if reference.pk in seen:
                raise forms.ValidationError(
                    _(
                        "“%(title)s” is cited twice. An article cites each reference once: "
                        "delete one of the two lines."
                    )
                    % {"title": reference.title}
                )
            seen.add(reference.pk)
        super().clean()


def writing_is_locked(user, obj):
    """Whether `user` may not change the writing of the article `obj` is (or is part of).

    The writing of a published or archived article changes only with the permission to
    publish: an editor's change to a live article would reach readers unreviewed. Editors
    see such an article read-only; a publisher moves it back to "In review" first, or makes
    the change.
    """
    if user.has_perm("articles.publish_article"):
        return False
    article = obj if isinstance(obj, Article) else getattr(obj, "article", None)
    return article is not None and article.status in workflow.PUBLISHER_STATUSES


def with_renew_review(fieldsets):
    """`fieldsets` with the reviewer's "the review covers the article as it is now" box
    after the review's fields."""
    return [
        (name, {**options, "fields": [*options["fields"], "renew_review"]})
        if "medical_reviewer" in flatten_fieldsets([(name, options)])
        else (name, options)
        for name, options in fieldsets
    ]


class PublishedAsReviewedFormSet:
    """A formset of the article's parts that refuses changes made in the save that publishes
    the article, unless that save records the review: the review would not cover them
    (editing/review.py). The article form checks the article's own fields."""

    def clean(self):
        super().clean()
        if not isinstance(self.instance, Article) and self.instance.article_id is None:
            return  # The part of an article being added: nothing is published yet.
        article = self.instance if isinstance(self.instance, Article) else self.instance.article
        if (
            article.pk is None
            or article.status != Article.Status.PUBLISHED
            or not self.has_changed()
        ):
            return
        stored = (
            Article.objects.filter(pk=article.pk)
            .values_list("status", "medical_reviewer", "reviewed_on", "reviewed_content")
            .first()
        )
        if (
            stored
            and stored[0] != Article.Status.PUBLISHED
            and stored[1:3] == (article.medical_reviewer_id, article.reviewed_on)
            and stored[3]
        ):
            raise forms.ValidationError(
                _(
                    "The medical review does not cover these changes, so the article cannot be "
                    "published in the same save. Save them with the article in review; a "
                    "medical reviewer then renews the review."
                )
            )


class ArticlePartInline:
    """An inline of the article's writing: read-only when the writing is locked, and not
    changed in the save that publishes it (`PublishedAsReviewedFormSet`)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (PublishedAsReviewedFormSet, formset), {})

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not writing_is_locked(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not writing_is_locked(
            request.user, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not writing_is_locked(
            request.user, obj
        )


class StudyInline(ArticlePartInline, nested_admin.NestedStackedInline):
    model = Study
    form = StudyInlineForm
    extra = 0
    sortable_field_name = "position"
    autocomplete_fields = ["reference"]
    fields = [
        ("display", "label"),
        ("authors", "year"),
        ("journal", "study_type"),
        "finding",
        ("effect_figure", "reference"),
        "source_check_display",
        "position",
    ]
    readonly_fields = ["source_check_display"]

    def get_extra(self, request, obj=None, **kwargs):
        # A new section (obj: the section, None for the page's "Add another" template) comes
        # with one study ready to fill in; a blank one is not saved.
        return 1 if obj is None or obj.pk is None else 0

    @admin.display(description=_("checked against its reference"))
    def source_check_display(self, study):
        """The per-study note: agrees, disagrees (and how), not fetched, or not linked."""
        if not study.pk:
            return _("Checked when saved.")
        label = study.get_source_check_display()
        if study.source_check_note:
            return format_html("<strong>{}</strong>: {}", label, study.source_check_note)
        return label


class SectionInline(ArticlePartInline, nested_admin.NestedStackedInline):
    model = Section
    extra = 0
    sortable_field_name = "position"
    inlines = [StudyInline]
    fields = [("heading", "level", "number_subsections"), "body", "position"]

    def get_queryset(self, request):
        # Each section's study inline asks whether the article's writing is locked: the article
        # comes with the section, not in one query per section.
        return super().get_queryset(request).select_related("article")

    def get_extra(self, request, obj=None, **kwargs):
        # A new article starts with one section open; a blank one is not saved.
        return 1 if obj is None else 0


class RDARowInline(ArticlePartInline, nested_admin.NestedTabularInline):
    model = RDARow
    form = RDARowInlineForm
    formset = RDARowFormSet
    extra = 0
    sortable_field_name = "position"
    fields = ["life_stage", "age_from", "age_to", "age_unit", "amount", "intake_type", "position"]


class RDATableInline(ArticlePartInline, nested_admin.NestedStackedInline):
    model = RDATable
    extra = 0
    sortable_field_name = "position"
    inlines = [RDARowInline]
    fields = [
        ("nutrient", "unit"),
        "source_note",
        ("upper_limit", "upper_limit_applies_to"),
        "position",
    ]

    def get_queryset(self, request):
        # As SectionInline: the row inline of each table asks about the article.
        return super().get_queryset(request).select_related("article")


class CitationInline(ArticlePartInline, nested_admin.NestedTabularInline):
    model = Citation
    form = CitationInlineForm
    formset = CitationFormSet
    extra = 0
    sortable_field_name = "position"
    autocomplete_fields = ["reference"]
    readonly_fields = ["as_cited"]
    verbose_name = _("reference")
    verbose_name_plural = _("references (numbered in this order)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reference")

    @admin.display(description=_("as readers see it"))
    def as_cited(self, citation):
        """The reference in NLM/Vancouver style, as the article's reference list shows it."""
        if not citation.reference_id:
            return _("Shown after saving.")
        return render_to_string("includes/reference_item.html", {"reference": citation.reference})


class RelatedArticleInline(ArticlePartInline, nested_admin.NestedTabularInline):
    model = RelatedArticle
    fk_name = "article"
    extra = 0
    sortable_field_name = "position"
    autocomplete_fields = ["related"]


class CitedReferenceFilter(admin.SimpleListFilter):
    """Articles citing one reference (``?cites=<id>``), reached from a reference's "cited by"
    link; shown in the sidebar only while it is in use."""

    title = _("cites the reference")
    parameter_name = "cites"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not value.isdigit():
            return []
        title = Reference.objects.filter(pk=value).values_list("title", flat=True).first()
        return [(value, Truncator(title).chars(60) if title else _("a deleted reference"))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(citations__reference_id=self.value())
        return queryset


def warn_about_broken_references(request, *, article_id):
    """Add a warning naming the references the article cites whose links were last found
    broken or unreachable. One query."""
    if not str(article_id).isdigit():
        return
    references = Reference.objects.needing_attention().filter(citations__article_id=article_id)
    references = list(references.only("pk", "title", "link_status", "status_code"))
    if not references:
        return
    items = format_html_join(
        ", ",
        '<a href="{}">{}</a> ({})',
        (
            (
                reverse("admin:references_reference_change", args=[reference.pk]),
                reference.title,
                link_health(reference),
            )
            for reference in references
        ),
    )
    message = ngettext(
        "A reference this article cites no longer leads to its source:",
        "%(count)d references this article cites no longer lead to their source:",
        len(references),
    ) % {"count": len(references)}
    messages.warning(
        request,
        format_html("{} {}. {}", message, items, _("Correct their address or replace them.")),
    )


class CitedReferenceAdmin(ReferenceAdmin):
    """The references library's admin (references/admin.py), with the articles citing each
    reference: a "cited by" column linking to them in the article list."""

    list_display = [
        "cited_by" if name == "in_use" else name for name in ReferenceAdmin.list_display
    ]
    readonly_fields = [
        "cited_by" if name == "in_use" else name for name in ReferenceAdmin.readonly_fields
    ]
    # The last of the library's fieldsets says where a reference is used.
    fieldsets = [
        *ReferenceAdmin.fieldsets[:-1],
        (_("In the articles"), {"fields": ["as_cited", "cited_by"]}),
    ]

    # Flat at any size (articles/editing/changelist.py): counts per shown row, no exact
    # count of the whole library, and the retrieval date as a filter: the date hierarchy
    # reads every row for its years.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    date_hierarchy = None
    list_filter = [*ReferenceAdmin.list_filter, "retrieved_on"]

    def get_queryset(self, request):
        citations = (
            Citation.objects.filter(reference=OuterRef("pk"))
            .order_by()
            .annotate(count=Func(Value(1), function="COUNT"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(citation_count=Subquery(citations, output_field=IntegerField()))
        )

    # Not sortable: sorting by it would count the citations of every reference.
    @admin.display(description=_("cited by"))
    def cited_by(self, reference):
        count = getattr(reference, "citation_count", 0)
        if not count:
            return _("no article")
        label = ngettext("%(count)d article", "%(count)d articles", count) % {"count": count}
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?cites={}">{}</a>', url, reference.pk, label)

    # A reference published articles cite changes, or is merged, only with the permission to
    # publish; each change is written into those articles' histories (editing/shared_content.py).

    def is_locked(self, request, reference):
        """Whether `request.user` may not change `reference`, as published articles cite it."""
        return (
            reference is not None
            and reference.pk is not None
            and not shared_content.may_change_published_content(request.user)
            and shared_content.published_articles_citing([reference.pk]).exists()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.is_locked(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_locked(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reference = self.get_object(request, unquote(object_id))
        if (
            request.method == "GET"
            and super().has_change_permission(request, reference)
            and self.is_locked(request, reference)
        ):
            articles = shared_content.published_articles_citing([reference.pk])
            messages.warning(
                request, shared_content.locked_reference_message([reference], articles)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and self.is_locked(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        seen = [
            name
            for name in form.changed_data
            if name in shared_content.REFERENCE_FIELDS_READERS_SEE
        ]
        if change and seen:
            shared_content.reference_changed(reference=obj, fields=seen, user=request.user)

    @admin.action(description=_("Merge selected references…"), permissions=["change"])
    def merge_references(self, request, queryset):
        if not shared_content.may_change_published_content(request.user):
            locked = list(shared_content.cited_by_published_articles(queryset))
            if locked:
                articles = shared_content.published_articles_citing([r.pk for r in locked])
                self.message_user(
                    request,
                    _("Nothing was merged: %(reason)s")
                    % {"reason": shared_content.locked_reference_message(locked, articles)},
                    messages.ERROR,
                )
                return None
        return super().merge_references(request, queryset)


admin.site.unregister(Reference)
admin.site.register(Reference, CitedReferenceAdmin)


class CitesRetractedFilter(admin.SimpleListFilter):
    title = _("cites retracted papers")
    parameter_name = "cites_retracted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        retracted = Article.objects.citing_retracted().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=retracted)
        if self.value() == "no":
            return queryset.exclude(pk__in=retracted)
        return queryset


class UnlinkedFiguresFilter(admin.SimpleListFilter):
    title = _("unlinked figures")
    parameter_name = "unlinked_figures"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Yes: a figure is not linked to a reference")),
            ("no", _("No: every figure is linked")),
        ]

    def queryset(self, request, queryset):
        unlinked = Article.objects.with_unlinked_figures().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=unlinked)
        if self.value() == "no":
            return queryset.exclude(pk__in=unlinked)
        return queryset


class DueForReviewFilter(admin.SimpleListFilter):
    title = _("due for review")
    parameter_name = "due_for_review"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Yes: never reviewed, or the review is out of date")),
            ("no", _("No: reviewed recently")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.due_for_review()
        if self.value() == "no":
            return queryset.reviewed_recently()
        return queryset


def _version_or_404(versions, version_id):
    if not (version_id or "").isdigit():
        raise Http404("Choose two versions to compare.")
    return get_object_or_404(versions, pk=int(version_id))


@admin.register(Article)
class ArticleAdmin(VersionAdmin, nested_admin.NestedModelAdmin):
    inlines = [SectionInline, RDATableInline, CitationInline, RelatedArticleInline]
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
    # The hero image's own checks (type, size, pixels) answer before Django's generic one.
    formfield_overrides = {ImageField: {"form_class": HeroImageFormField}}
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

    def get_queryset(self, request):
        queryset = super().get_queryset(request).defer("search_vector")
        return queryset.with_reference_count().with_evidence()

    # Exports (articles/exports.py): the changelist as filtered and searched, or the selected
    # rows, for users with the "Can export articles" permission (the Staff exporters group).

    def has_export_permission(self, request):
        codename = get_permission_codename("export", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

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

    def export_view(self, request, file_format):
        """Export the changelist with the filters, search and order of the query string."""
        can_view = self.has_view_or_change_permission(request)
        if not (can_view and self.has_export_permission(request)):
            raise PermissionDenied
        if file_format not in exports.FORMATS:
            raise Http404
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            changelist_url = reverse(
                f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist"
            )
            return HttpResponseRedirect(f"{changelist_url}?{ERROR_FLAG}=1")
        return exports.export_response(request, changelist.queryset, file_format)

    def changelist_view(self, request, extra_context=None):
        can_export = self.has_export_permission(request)
        extra_context = {
            "export_formats": exports.FORMATS if can_export else {},
            "has_recover_permission": self.has_recover_permission(request),
        } | (extra_context or {})
        return super().changelist_view(request, extra_context)

    @admin.action(permissions=["export"], description=_("Export selected as CSV"))
    def export_selected_csv(self, request, queryset):
        return exports.export_response(request, queryset, "csv")

    @admin.action(permissions=["export"], description=_("Export selected as XLSX"))
    def export_selected_xlsx(self, request, queryset):
        return exports.export_response(request, queryset, "xlsx")

    @admin.action(permissions=["export"], description=_("Export selected as JSON"))
    def export_selected_json(self, request, queryset):
        return exports.export_response(request, queryset, "json")

    # Import from text or Markdown (textformat/importer.py) and export to Markdown
    # (textformat/markdown.py). Importing needs "add article"; updating an existing article from
    # an import also needs the right to change its writing.

    @admin.action(permissions=["export"], description=_("Export as Markdown"))
    def export_markdown(self, request, queryset):
        """One article: its .md file; several: a .zip of .md files."""
        articles = list(queryset.order_by("slug"))
        if len(articles) == 1:
            response = HttpResponse(
                markdown.article_markdown(articles[0]), content_type="text/markdown; charset=utf-8"
            )
            filename = markdown.article_filename(articles[0])
        else:
            response = HttpResponse(markdown.articles_zip(articles), content_type="application/zip")
            filename = "articles-markdown.zip"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    # The references the selected articles cite (exports.references_response), for a reference
    # manager or as text: whoever may see the articles may take their references.

    def export_references(self, request, queryset, file_format):
        response = exports.references_response(queryset, file_format)
        if response is None:
            self.message_user(
                request, _("The selected articles cite no references."), messages.WARNING
            )
        return response

    @admin.action(
        permissions=["view"],
        description=_("Export their references as RIS (Zotero, EndNote, Mendeley)"),
    )
    def export_references_ris(self, request, queryset):
        return self.export_references(request, queryset, "ris")

    @admin.action(permissions=["view"], description=_("Export their references as BibTeX"))
    def export_references_bibtex(self, request, queryset):
        return self.export_references(request, queryset, "bibtex")

    @admin.action(permissions=["view"], description=_("Export their references as CSL-JSON"))
    def export_references_csl_json(self, request, queryset):
        return self.export_references(request, queryset, "csl-json")

    @admin.action(
        permissions=["view"], description=_("Export their reference lists as text (NLM style)")
    )
    def export_references_nlm(self, request, queryset):
        return self.export_references(request, queryset, "nlm")

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
        """A refused save: every error's place above the form (editing/save_feedback.py), and
        beside the hero image field, that a chosen image must be chosen again."""
        form = context["adminform"].form
        locations = save_feedback.error_locations(form, context["inline_admin_formsets"])
        upload = request.FILES.get("hero_image")
        if upload is not None and "hero_image" in form.fields:
            message = save_feedback.choose_again_message(upload.name)
            form.fields["hero_image"].help_text = message
            locations.append(
                save_feedback.ErrorLocation(
                    str(_("Hero image")), "", message, form["hero_image"].id_for_label
                )
            )
        context["error_locations"] = locations

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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
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


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials"]
    search_fields = ["name", "credentials"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_default", "position"]
    list_editable = ["position"]
    search_fields = ["name", "title"]

    # A disclaimer published articles show changes only with the permission to publish; each
    # change is written into those articles' histories (editing/shared_content.py).

    def is_locked(self, request, disclaimer):
        return (
            disclaimer is not None
            and disclaimer.pk is not None
            and not shared_content.may_change_published_content(request.user)
            and shared_content.published_articles_showing(disclaimer).exists()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.is_locked(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_locked(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        disclaimer = self.get_object(request, unquote(object_id))
        if (
            request.method == "GET"
            and super().has_change_permission(request, disclaimer)
            and self.is_locked(request, disclaimer)
        ):
            articles = shared_content.published_articles_showing(disclaimer)
            messages.warning(
                request, shared_content.locked_disclaimer_message(disclaimer, articles)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and self.is_locked(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        seen = [
            name
            for name in form.changed_data
            if name in shared_content.DISCLAIMER_FIELDS_READERS_SEE
        ]
        if change and seen:
            shared_content.disclaimer_changed(disclaimer=obj, fields=seen, user=request.user)
