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
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.db.models import Count, ImageField
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from reversion.admin import VersionAdmin

from references.admin import ReferenceAdmin, link_health
from references.models import Reference

from . import exports, services
from .editing import imports, versioning, workflow
from .editing.forms import WORKFLOW_FIELDS, ArticleAdminForm
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
    Study,
    Tag,
    find_overlapping_rows,
    overlap_message,
)
from .models.derived import refresh_changed_text
from .site.outline import OutlineEntry
from .textformat import importer, markdown
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
            if reference is not None and reference.pk in seen:
                raise forms.ValidationError(
                    _(
                        "“%(title)s” is cited twice. An article cites each reference once: "
                        "delete one of the two lines."
                    )
                    % {"title": reference.title}
                )
            if reference is not None:
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


class ArticlePartInline:
    """An inline of the article's writing: read-only when the writing is locked."""

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
    extra = 0
    sortable_field_name = "position"
    autocomplete_fields = ["reference"]
    fields = [
        ("display", "label"),
        ("authors", "year"),
        ("journal", "study_type"),
        "finding",
        ("effect_figure", "reference"),
        "position",
    ]
    classes = ["collapse"]


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


class RDARowInline(ArticlePartInline, nested_admin.NestedTabularInline):
    model = RDARow
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
    formset = CitationFormSet
    extra = 0
    sortable_field_name = "position"
    autocomplete_fields = ["reference"]
    verbose_name = _("reference")
    verbose_name_plural = _("references (numbered in this order)")


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

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description=_("cited by"), ordering="citation_count")
    def cited_by(self, reference):
        count = getattr(reference, "citation_count", 0)
        if not count:
            return _("no article")
        label = ngettext("%(count)d article", "%(count)d articles", count) % {"count": count}
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?cites={}">{}</a>', url, reference.pk, label)


admin.site.unregister(Reference)
admin.site.register(Reference, CitedReferenceAdmin)


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


# Importing an article from text, in two steps: upload (or paste) and preview, then save. The
# text travels back in a hidden field and is read again on save; nothing is kept on the server.

IMPORT_SUFFIXES = ["txt", "text", "md", "markdown"]


class ImportArticleForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        allow_empty_file=True,
        validators=[FileExtensionValidator(IMPORT_SUFFIXES)],
        help_text=_("Plain text (.txt) or Markdown (.md), at most 2 MB."),
    )
    text = forms.CharField(
        label=_("Or paste the text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_(
            "Leave empty to use the title the text gives: a first line “# Title”, or the line "
            "“… is an original (HSLHealing) article.”"
        ),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    author = forms.ModelChoiceField(label=_("Author"), queryset=Contributor.objects.all())

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text") or ""
        if "file" in self.errors:
            return cleaned
        if upload and text.strip():
            raise forms.ValidationError(_("Upload a file or paste the text, not both."))
        if not upload and not text:
            raise forms.ValidationError(_("Choose a file to upload, or paste the text."))
        try:
            if upload:
                if upload.size > importer.MAX_BYTES:
                    raise importer.ArticleImportError(importer.too_big_message(upload.size))
                cleaned["source_text"] = importer.read_bytes(upload.read())
                cleaned["source_name"] = upload.name
            else:
                cleaned["source_text"] = importer.check_text(text)
                cleaned["source_name"] = ""
        except importer.ArticleImportError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned


class ImportConfirmForm(forms.Form):
    source_text = forms.CharField(widget=forms.HiddenInput, strip=False)
    source_name = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), widget=forms.HiddenInput)
    author = forms.ModelChoiceField(queryset=Contributor.objects.all(), widget=forms.HiddenInput)
    on_existing = forms.ChoiceField(
        label=_("An article with this address already exists"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("update", _("Update it: replace its text, keeping its address and history")),
            ("new", _("Import this text as a new article, at a new address")),
        ],
    )


def _import_preview_outline(result):
    """The outline of an import's (rolled back) sections, for templates/includes/section.html."""
    numbers = {reference.pk: n for n, (reference, _reused) in enumerate(result.references, 1)}
    entries, parent = [], None
    for section, studies in result.sections:
        for study in studies:
            study.reference_number = numbers.get(study.reference_id)
        entry = OutlineEntry(section=section, anchor=f"import-{section.position}", studies=studies)
        if section.level == Section.Level.SUBSECTION and parent is not None:
            if parent.section.number_subsections:
                entry.number = len(parent.children) + 1
            parent.children.append(entry)
        else:
            parent = entry
            entries.append(entry)
    return entries


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
        "updated_at",
    ]
    list_filter = [
        "status",
        "category",
        "medical_reviewer",
        DueForReviewFilter,
        "featured",
        CitedReferenceFilter,
    ]
    list_select_related = ["medical_reviewer"]
    search_fields = ["title", "slug", "standfirst"]
    date_hierarchy = "publish_at"
    ordering = ["-publish_at", "-created_at"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["category", "tags", "author", "medical_reviewer"]
    # The hero image's own checks (type, size, pixels) answer before Django's generic one.
    formfield_overrides = {ImageField: {"form_class": HeroImageFormField}}
    readonly_fields = ["public_page", "created_at", "updated_at"]
    # Roles and history: see "Roles and workflow" below.
    form = ArticleAdminForm
    history_latest_first = True
    # django-reversion's VersionAdmin names its own templates; ours extend Django's and add
    # "Recover deleted articles" (change list) and version comparison (history).
    change_list_template = "admin/articles/article/change_list.html"
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
        (_("History"), {"fields": [("created_at", "updated_at")], "classes": ["collapse"]}),
    ]

    actions = [
        "export_selected_csv",
        "export_selected_xlsx",
        "export_selected_json",
        "export_markdown",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(reference_count=Count("citations"))

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
            self.admin_site.admin_view(self.import_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_import",
        )
        return [export, compare, import_article, *super().get_urls()]

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

    @admin.action(permissions=["view"], description=_("Export as Markdown"))
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

    def import_view(self, request):
        """Upload or paste an article, see what was recognised, then save it as a draft."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "source_text" in request.POST:
            return self._import_save(request)
        form = ImportArticleForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                return self._import_preview(
                    request,
                    text=data["source_text"],
                    source_name=data["source_name"],
                    title=data["title"],
                    category=data["category"],
                    author=data["author"],
                )
            except importer.ArticleImportError as error:
                form.add_error(None, str(error))
        return self._import_form(request, form)

    def _import_form(self, request, form):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import article"),
            "subtitle": None,
            "form": form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/import_form.html", context)

    def _import_form_again(self, request, data, error):
        """The upload form again, with the text pasted in and the error on top."""
        form = ImportArticleForm(
            {
                "text": data.get("source_text", ""),
                "title": data.get("title", ""),
                "category": data.get("category", ""),
                "author": data.get("author", ""),
            }
        )
        form.is_valid()
        form.add_error(None, error)
        return self._import_form(request, form)

    def _import_preview(self, request, *, text, source_name, title, category, author, error=""):
        """Read the text and save it in a transaction that is rolled back, to show exactly
        what saving would do (the dry run raises ArticleImportError for what cannot be saved)."""
        draft = importer.parse(
            text, filename=source_name, title=title, disclaimers=imports.disclaimer_hints()
        )
        existing = Article.objects.filter(slug=draft.slug).first()
        result = imports.import_article(
            draft=draft,
            category=category,
            author=author,
            on_existing="new",
            dry_run=True,
            user=request.user,
            source_name=source_name,
        )
        confirm = ImportConfirmForm(
            initial={
                "source_text": text,
                "source_name": source_name,
                "title": title,
                "category": category.pk,
                "author": author.pk,
            }
        )
        if existing is not None and not self.has_write_permission(request, existing):
            confirm.fields["on_existing"].choices = confirm.fields["on_existing"].choices[1:]
        counts = result.counts
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Check the import of “%(title)s”") % {"title": draft.title},
            "subtitle": None,
            "draft": draft,
            "result": result,
            "outline": _import_preview_outline(result),
            "existing": existing,
            "confirm": confirm,
            "error": error,
            "format_name": importer.FORMAT_NAMES[draft.format],
            "source_name": source_name,
            "category": category,
            "author": author,
            "counts": [
                (_("sections"), counts["sections"]),
                (_("studies"), counts["studies"]),
                (_("RDA rows"), counts["rda_rows"]),
                (_("references"), counts["references"]),
                (_("related links"), counts["related_links"]),
                (_("disclaimers"), counts["disclaimers"]),
            ],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/import_preview.html", context)

    def _import_save(self, request):
        confirm = ImportConfirmForm(request.POST)
        if not confirm.is_valid():
            return self._import_form_again(
                request, request.POST, _("The import could not be read back; start again.")
            )
        data = confirm.cleaned_data
        source = {
            "text": data["source_text"],
            "source_name": data["source_name"],
            "title": data["title"],
            "category": data["category"],
            "author": data["author"],
        }
        try:
            draft = importer.parse(
                data["source_text"],
                filename=data["source_name"],
                title=data["title"],
                disclaimers=imports.disclaimer_hints(),
            )
            existing = Article.objects.filter(slug=draft.slug).first()
            choice = data["on_existing"] or None
            if existing is not None and choice is None:
                return self._import_preview(
                    request,
                    **source,
                    error=_(
                        "An article with this address already exists: choose whether to update "
                        "it or to import the text as a new article."
                    ),
                )
            if choice == "update" and not self.has_write_permission(request, existing):
                raise PermissionDenied
            result = imports.import_article(
                draft=draft,
                category=data["category"],
                author=data["author"],
                on_existing=choice,
                user=request.user,
                source_name=data["source_name"],
            )
        except importer.ArticleImportError as error:
            return self._import_form_again(request, request.POST, str(error))
        article = result.article
        if result.created:
            self.log_addition(request, article, [{"added": {}}])
            message = _("“%(title)s” was imported as a draft.")
        else:
            self.log_change(request, article, _("Updated from an imported text."))
            message = _("“%(title)s” was updated from the imported text.")
        self.message_user(request, message % {"title": article.title}, messages.SUCCESS)
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[article.pk])
        )

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
        return [(name, {**options, "fields": [*options["fields"], "edit_token"]}), *others]

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
        if (
            not self.has_publish_permission(request)
            and obj is not None
            and not self.has_write_permission(request, obj)
        ):
            readonly += ["status", "publish_at"]
        return list(dict.fromkeys(readonly))

    def get_prepopulated_fields(self, request, obj=None):
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        form.stored_state = getattr(
            request,
            "_article_state_before_restore",
            workflow.workflow_state(obj) if obj is not None else None,
        )
        return form

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        before = getattr(request, "_article_state_before_restore", None)
        if article is not None and before is not None:
            # Restoring a version brings back the writing; the status, schedule and review
            # stay as they are unless the user may change them.
            if not self.has_publish_permission(request):
                article.status, article.publish_at = before["status"], before["publish_at"]
            if not self.has_review_permission(request):
                article.medical_reviewer_id = before["medical_reviewer"]
                article.reviewed_on = before["reviewed_on"]
        return article

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
        if not self.has_write_permission(request):
            raise PermissionDenied
        article = self.get_object(request, unquote(object_id))
        if article is None:
            return self.article_not_found(request, object_id)
        request._article_state_before_restore = workflow.workflow_state(article)
        return super().revision_view(request, object_id, version_id, extra_context)

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
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("references"), ordering="reference_count")
    def reference_count(self, article):
        return article.reference_count

    @admin.display(description=_("public page"))
    def public_page(self, article):
        if not article.pk:
            return _("Available after the first save.")
        label = _("View on site") if article.is_live else _("Preview (only editors can see it)")
        return format_html('<a href="{}" target="_blank">{}</a>', article.get_absolute_url(), label)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.cite_study_references(article=form.instance)
        # The article and every inline are saved: its word count and search vector, once.
        refresh_changed_text(article_ids=[form.instance.pk])


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


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_default", "position"]
    list_editable = ["position"]
    search_fields = ["name", "title"]
