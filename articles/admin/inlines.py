"""
The parts of an article as inlines of its admin page: sections with their studies, RDA tables
with their rows, citations and "You may also like" links (django-nested-admin), and the rules
their formsets hold: overlapping age bands, a reference cited twice, what a published
article's reviewer may change.

The page stays the same size in queries whatever the article's length (each kind of part comes
in one query, `PrefetchedRowsFormSet`, `LoadedAutocompleteSelect`), and carries one empty form
per kind of part (`OneEmptyFormPerInline`).
"""

import nested_admin
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Prefetch
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from references.admin import as_cited_html
from references.models import Reference

from ..editing import workflow
from ..editing.forms import (
    CitationInlineForm,
    RDARowInlineForm,
    StudyInlineForm,
)
from ..models import (
    Article,
    Citation,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    find_overlapping_rows,
    overlap_message,
)


def _kept_forms(formset):
    """The forms of a cleaned formset whose rows will be saved: filled in and not deleted."""
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None)
        and not (formset.can_delete and form.cleaned_data.get("DELETE"))
    ]


class PrefetchedRowsFormSet(nested_admin.NestedInlineFormSet):
    """A nested formset shown with the rows its parent inline prefetched for every parent in
    one query (a section's studies, a table's rows), rather than a query per parent. A posted
    formset reads its rows afresh, as Django's does."""

    def get_queryset(self):
        if self.data or self.instance.pk is None:
            return super().get_queryset()
        return self.prefetched_rows

    @cached_property
    def prefetched_rows(self):
        return getattr(self.instance, self.fk.remote_field.get_accessor_name()).all()


class RDARowFormSet(PrefetchedRowsFormSet):
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


class OneEmptyFormPerInline(nested_admin.NestedInlineAdminFormset):
    """django-nested-admin's rendering of an inline, carrying the empty form that "Add another"
    copies once per kind of part instead of once per parent.

    django-nested-admin renders a nested inline's empty form in every parent form: each section
    brings a study's, each table a row's (a 60-section article: 60 copies of a study form).
    Here only the parent's own empty form (a new section) carries one. The formsets nested in
    the parent's forms come without, and the page's script (static/js/one-empty-form.js)
    copies that one into each of them, under its own prefix, before django-nested-admin reads
    the page: "Add another study" works in any section, stored or new.

    Adding a nested part so needs the right to add its parent (the parent's empty form holds
    the template): every role that writes has both.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if getattr(self.formset, "parent_form", None) is not None:
            # Nested in a parent's form. This flag only tells the templates (Django's and
            # django-nested-admin's) to render the empty form, and in a tabular inline its
            # "Add another" row; whether the formset takes new rows is the inline's own
            # permission, which Django's formset reads.
            self.has_add_permission = False

    @property
    def media(self):
        # Deferred: it runs once the page is read, before django-nested-admin's set-up.
        return super().media + forms.Media(js=[forms.Script("js/one-empty-form.js", defer=True)])


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


class LoadedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, naming its chosen option from the object the form's row already
    holds (`chosen`, read with the rows: `ChosenFromLoadedRows`) instead of reading it in one
    query per form. A choice it was not given (another one posted on a refused save) is read
    as Django does."""

    chosen = None

    def optgroups(self, name, value, attr=None):
        if self.chosen is None:
            return super().optgroups(name, value, attr)
        chosen_value = getattr(self.chosen, self.field.target_field.attname)
        if [str(choice) for choice in value] != [str(chosen_value)]:
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance(self.chosen)
        options.append(self.create_option(name, chosen_value, label, True, len(options)))
        return [(None, options, 0)]


class ChosenFromLoadedRows:
    """A formset whose autocompletes (`LoadedAutocompleteSelect`) name each form's chosen
    object from its row, when the row was read with it (`select_related`)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if form.instance.pk is None:
            return
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # inside Django's "+" wrapper
            if isinstance(widget, LoadedAutocompleteSelect) and getattr(
                type(form.instance), name
            ).is_cached(form.instance):
                widget.chosen = getattr(form.instance, name)


class ArticlePartInline:
    """An inline of the article's writing: read-only when the writing is locked, and not
    changed in the save that publishes it (`PublishedAsReviewedFormSet`)."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(
            formset.__name__, (PublishedAsReviewedFormSet, ChosenFromLoadedRows, formset), {}
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                LoadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

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
    formset = PrefetchedRowsFormSet
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
        # comes with the section, not in one query per section; and the studies of every
        # section come in one query (PrefetchedRowsFormSet), with the references they link to
        # (`LoadedAutocompleteSelect`).
        studies = Prefetch("studies", queryset=Study.objects.select_related("reference"))
        return super().get_queryset(request).select_related("article").prefetch_related(studies)

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
        # As SectionInline: the row inline of each table asks about the article, and the rows
        # of every table come in one query.
        return super().get_queryset(request).select_related("article").prefetch_related("rows")


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
        # The article too: a row's label (`Citation.__str__`) names it.
        return (
            super()
            .get_queryset(request)
            .select_related("article", "reference")
            .defer("article__search_vector")
        )

    @admin.display(description=_("as readers see it"))
    def as_cited(self, citation):
        """The reference in NLM/Vancouver style, as the article's reference list shows it."""
        if not citation.reference_id:
            return _("Shown after saving.")
        return as_cited_html(citation.reference)


class RelatedArticleInline(ArticlePartInline, nested_admin.NestedTabularInline):
    model = RelatedArticle
    fk_name = "article"
    extra = 0
    sortable_field_name = "position"
    autocomplete_fields = ["related"]

    def get_queryset(self, request):
        # The linked article with each link: its title labels the row and names the choice.
        return (
            super().get_queryset(request).select_related("related").defer("related__search_vector")
        )
