"""
Admin for the shared library of references: identifiers, possible duplicates and merging,
link health.

`CitedReferenceFilter` and `warn_about_broken_references` serve the article admin: the
"cited by" count here links to the articles citing a reference, and an article's page warns
about the references it cites that no longer lead to their source.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .linkcheck import LinkChecker, check_references
from .models import LinkStatus, Reference

#: The most references "Check links now" checks in one go, and how long it may take: the
#: editor waits for the page, and the app server ends requests that take too long.
CHECK_NOW_LIMIT = 50
CHECK_NOW_SECONDS = 20


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = _("possible duplicates")
    parameter_name = "duplicates"

    def lookups(self, request, model_admin):
        return [("yes", _("Only possible duplicates"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.possible_duplicates()
        return queryset


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


def link_health(reference):
    """“Broken (404)”, “Redirected (301)”, “Unreachable”, “Not checked yet”."""
    label = reference.get_link_status_display()
    return f"{label} ({reference.status_code})" if reference.status_code else label


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ["title", "identifiers", "site", "cited_by", "checked_at", "link_health"]
    list_filter = ["link_status", PossibleDuplicateFilter, "site"]
    search_fields = ["title", "url", "doi", "pmid", "pmcid", "bookshelf_id"]
    search_help_text = _(
        "Search by title, address or identifier (PMID, PMCID, DOI, NBK). A pasted address also "
        "finds references with the same identifier."
    )
    date_hierarchy = "retrieved_on"
    ordering = ["title"]
    # An address typed without a scheme ("pubmed.ncbi.nlm.nih.gov/…") is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["check_links", "merge_references"]
    readonly_fields = [
        "as_cited",
        "cited_by",
        "link_status",
        "status_code",
        "final_url",
        "checked_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "url", "site", "retrieved_on"]}),
        (
            _("Identifiers"),
            {
                "fields": [("doi", "pmid"), ("pmcid", "bookshelf_id")],
                "description": _(
                    "Left empty, they are read from the address when it states them "
                    "(PubMed, PubMed Central, NCBI Bookshelf and doi.org addresses, and "
                    "publisher addresses that contain the DOI)."
                ),
            },
        ),
        (
            _("Link health"),
            {
                "fields": [("link_status", "status_code", "checked_at"), "final_url"],
                "description": _(
                    "Updated by “Check links now” in the list of references, and nightly by "
                    "manage.py check_references."
                ),
            },
        ),
        (_("In the articles"), {"fields": ["as_cited", "cited_by"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_citation_counts()

    def get_urls(self):
        return [
            path(
                "duplicates/",
                self.admin_site.admin_view(self.duplicates_view),
                name="references_reference_duplicates",
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.lower().startswith(("http://", "https://")) and " " not in term:
            probe = Reference(url=term)
            probe.fill_identifiers()
            matches = Q(pk__in=probe.possible_duplicates().values("pk")) | Q(url__icontains=term)
            return queryset.filter(matches), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("identifiers"))
    def identifiers(self, reference):
        return " · ".join(
            f"{label} {value}" for label, value, _link in reference.identifier_links()
        )

    @admin.display(description=_("cited by"), ordering="citation_count")
    def cited_by(self, reference):
        count = getattr(reference, "citation_count", None)
        if count is None:
            count = reference.citations.count()
        if not count:
            return _("no article")
        label = ngettext("%(count)d article", "%(count)d articles", count) % {"count": count}
        url = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?cites={}">{}</a>', url, reference.pk, label)

    @admin.display(description=_("link"), ordering="link_status")
    def link_health(self, reference):
        return link_health(reference)

    @admin.display(description=_("as cited in articles"))
    def as_cited(self, reference):
        if not reference.pk:
            return _("Shown after the first save.")
        return render_to_string("includes/reference_item.html", {"reference": reference})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        duplicates = list(obj.possible_duplicates().only("pk", "title")[:5])
        if duplicates:
            titles = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:references_reference_change", args=[other.pk]), other.title)
                    for other in duplicates
                ),
            )
            self.message_user(
                request,
                format_html(
                    "{} {}. {}",
                    _("This may be the same source as"),
                    titles,
                    format_html(
                        '<a href="{}">{}</a>',
                        reverse("admin:references_reference_duplicates"),
                        _("Review possible duplicates"),
                    ),
                ),
                messages.WARNING,
            )

    def duplicates_view(self, request):
        """Groups of references that look like one source, each with a button to merge it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        groups = Reference.objects.with_citation_counts().duplicate_groups()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Possible duplicates"),
            "groups": groups,
            "can_merge": self.has_change_permission(request),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/references/reference/duplicates.html", context)

    @admin.action(description=_("Check links now"), permissions=["change"])
    def check_links(self, request, queryset):
        count = queryset.count()
        if count > CHECK_NOW_LIMIT:
            self.message_user(
                request,
                _(
                    "Select at most %(limit)d references to check at once (you selected "
                    "%(count)d). The whole library is checked nightly by manage.py "
                    "check_references."
                )
                % {"limit": CHECK_NOW_LIMIT, "count": count},
                messages.WARNING,
            )
            return
        refused = []

        def note_refused(reference, result):
            if result.refused:
                refused.append(reference.url)

        counts = check_references(
            queryset,
            checker=LinkChecker(timeout=5, retries=1, deadline=CHECK_NOW_SECONDS / 2),
            time_limit=CHECK_NOW_SECONDS,
            on_checked=note_refused,
        )
        checked = sum(counts.values())
        tally = ", ".join(
            f"{counts[status]} {label.lower()}"
            for status, label in LinkStatus.choices
            if counts[status]
        )
        level = messages.WARNING if counts.keys() - {LinkStatus.OK} else messages.SUCCESS
        self.message_user(
            request,
            ngettext(
                "Checked %(checked)d link: %(tally)s.",
                "Checked %(checked)d links: %(tally)s.",
                checked,
            )
            % {"checked": checked, "tally": tally},
            level,
        )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "Not fetched, because it leads inside our own network (refused: internal "
                    "address): %(urls)s. Use the source's public address.",
                    "Not fetched, because they lead inside our own network (refused: internal "
                    "address): %(urls)s. Use the sources' public addresses.",
                    len(refused),
                )
                % {"urls": ", ".join(refused)},
                messages.WARNING,
            )
        if checked < count:
            self.message_user(
                request,
                _(
                    "%(left)d links were not checked within %(seconds)d seconds; they keep "
                    "their previous status. Try again with fewer references."
                )
                % {"left": count - checked, "seconds": CHECK_NOW_SECONDS},
                messages.WARNING,
            )

    @admin.action(description=_("Merge selected references…"), permissions=["change"])
    def merge_references(self, request, queryset):
        references = list(queryset.order_by("-citation_count", "pk"))
        if len(references) < 2:
            self.message_user(
                request, _("Select at least two references to merge."), messages.WARNING
            )
            return None
        if request.POST.get("post") == "yes":
            keep = next((r for r in references if str(r.pk) == request.POST.get("keep")), None)
            if keep is None:
                self.message_user(request, _("Choose the reference to keep."), messages.ERROR)
            else:
                return self._merge(request, keep, references)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Merge references"),
            "references": references,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/references/reference/merge_confirmation.html", context
        )

    def _merge(self, request, keep, references):
        others = [r for r in references if r.pk != keep.pk]
        try:
            result = services.merge_references(keep=keep, others=others)
        except ValidationError as error:
            self.message_user(
                request,
                _("Nothing was merged: %(reason)s") % {"reason": " ".join(error.messages)},
                messages.ERROR,
            )
            return None
        parts = [
            ngettext(
                "%(count)d citation moved", "%(count)d citations moved", result.citations_moved
            )
            % {"count": result.citations_moved}
        ]
        if result.citations_dropped:
            parts.append(
                ngettext(
                    "%(count)d dropped because its article already cited the one kept",
                    "%(count)d dropped because their articles already cited the one kept",
                    result.citations_dropped,
                )
                % {"count": result.citations_dropped}
            )
        if result.studies_moved:
            parts.append(
                ngettext(
                    "%(count)d study now names it",
                    "%(count)d studies now name it",
                    result.studies_moved,
                )
                % {"count": result.studies_moved}
            )
        self.message_user(
            request,
            ngettext(
                "Merged %(count)d reference into “%(title)s”: %(details)s.",
                "Merged %(count)d references into “%(title)s”: %(details)s.",
                result.merged,
            )
            % {"count": result.merged, "title": result.kept.title, "details": "; ".join(parts)},
            messages.SUCCESS,
        )
        return None
