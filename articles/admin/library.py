"""
The reference library as the articles see it: the references admin (references/admin.py)
with a "cited by" column linking to the citing articles, the article list's filter by cited
reference, and the article page's warning about cited references whose links are broken.
"""

from django.contrib import admin, messages
from django.db.models import Func, IntegerField, OuterRef, Subquery, Value
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from references.admin import ReferenceAdmin, link_health
from references.models import Reference

from ..editing import shared_content
from ..editing.changelist import CappedChangeList, EstimatedCountPaginator
from ..models import Citation
from .locking import LockedWhilePublishedMixin


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


class CitedReferenceAdmin(LockedWhilePublishedMixin, ReferenceAdmin):
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

    def get_changelist(self, request, **kwargs):
        return CappedChangeList

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

    fields_readers_see = shared_content.REFERENCE_FIELDS_READERS_SEE

    def published_articles(self, reference):
        return shared_content.published_articles_citing([reference.pk])

    def locked_message(self, reference, articles):
        return shared_content.locked_reference_message([reference], articles)

    def record_change(self, reference, fields, user):
        shared_content.reference_changed(reference=reference, fields=fields, user=user)

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
