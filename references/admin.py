"""
Admin for the shared library of references: bibliographic details fetched by identifier
("Fetch details"), retraction and correction notices, identifiers, possible duplicates and
merging, link health, and RIS / BibTeX / CSL-JSON import and export. It knows nothing of what
cites a reference; an app that does can extend `ReferenceAdmin` (the articles app adds a "cited
by" column linking to the citing articles).

Fetching happens while the form is validated: with the "Fetch details" button (the record's
values replace what the form holds, and the page comes back for review), or on an ordinary
save of a reference with an identifier and no details yet (empty fields are filled). A service
that fails or is slow costs the editor at most a few seconds (short timeouts, one retry, no
long Retry-After waits) and never what they typed: "Fetch details" re-renders the form with the
reason, an ordinary save goes ahead and says what could not be fetched.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import formats, services
from .forms import FETCH_BUTTON, ImportForm, ReferenceForm, editor_services
from .linkcheck import LinkChecker, check_references
from .models import BIBLIOGRAPHIC_FIELDS, LinkStatus, Reference
from .refresh import refresh
from .signals import reference_details_changed

#: The most references "Check links now" checks in one go, and how long it may take: the
#: editor waits for the page, and the app server ends requests that take too long.
CHECK_NOW_LIMIT = 50
CHECK_NOW_SECONDS = 20
#: The most references "Fetch details" looks up in one go (waits: forms.EDITOR_LOOKUP).
FETCH_NOW_LIMIT = 50
#: A change to one of these is announced to the apps citing the reference (signals.py).
DETAIL_FIELDS = {*BIBLIOGRAPHIC_FIELDS, "notice_status", "notice_doi", "notice_url"}


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = _("possible duplicates")
    parameter_name = "duplicates"

    def lookups(self, request, model_admin):
        return [("yes", _("Only possible duplicates"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.possible_duplicates()
        return queryset


def rows_of(model, count):
    """“citation” or “citations”: the model's name for `count` of its rows."""
    return model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural


def as_cited_html(reference):
    """The reference as an article's reference list shows it (NLM/Vancouver style, the partial
    includes/reference_item.html). The partial is a Jinja2 template: escaped by it, but handed
    back as a plain str, so it is marked safe here."""
    return mark_safe(render_to_string("includes/reference_item.html", {"reference": reference}))


def link_health(reference):
    """“Broken (404)”, “Redirected (301)”, “Unreachable”, “Not checked yet”."""
    label = reference.get_link_status_display()
    return f"{label} ({reference.status_code})" if reference.status_code else label


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    form = ReferenceForm
    list_display = [
        "title",
        "identifiers",
        "site",
        "notice_status",
        "in_use",
        "checked_at",
        "link_health",
    ]
    list_filter = [
        "notice_status",
        "reference_type",
        "metadata_source",
        "link_status",
        PossibleDuplicateFilter,
        "site",
    ]
    search_fields = ["title", "url", "doi", "pmid", "pmcid", "bookshelf_id", "container_title"]
    search_help_text = _(
        "Search by title, address or identifier (PMID, PMCID, DOI, NBK). A pasted address also "
        "finds references with the same identifier."
    )
    date_hierarchy = "retrieved_on"
    ordering = ["title"]
    # An address typed without a scheme ("pubmed.ncbi.nlm.nih.gov/…") is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = [
        "fetch_details",
        "check_links",
        "merge_references",
        "export_ris",
        "export_bibtex",
        "export_csl_json",
    ]
    readonly_fields = [
        "metadata_source",
        "metadata_fetched_at",
        "notice_status",
        "notice",
        "notice_checked_at",
        "as_cited",
        "in_use",
        "link_status",
        "status_code",
        "final_url",
        "checked_at",
    ]
    fieldsets = [
        (None, {"fields": ["lookup_identifier"]}),
        (None, {"fields": ["reference_type", "title", "url", "site", "retrieved_on"]}),
        (
            _("Bibliographic details"),
            {
                "fields": [
                    "authors",
                    ("container_title", "container_title_short"),
                    ("issued_year", "issued_month", "issued_day"),
                    ("volume", "issue", "pages"),
                    ("publisher", "publisher_place"),
                    "editors",
                    ("metadata_source", "metadata_fetched_at"),
                ],
                "description": _(
                    "Filled from PubMed, PubMed Central or Crossref by “Fetch details” and on "
                    "saving a reference that has an identifier and no details yet; editable."
                ),
            },
        ),
        (
            _("Retraction or correction"),
            {
                "fields": [("notice_status", "notice_checked_at"), "notice"],
                "description": _(
                    "What PubMed and Crossref say was published about the paper afterwards; "
                    "checked with each fetch, and nightly by manage.py refresh_references."
                ),
            },
        ),
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
        (_("Where it is used"), {"fields": ["as_cited", "in_use"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_use_counts()

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="references_reference_import",
            ),
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

    @admin.display(description=_("notice"))
    def notice(self, reference):
        link = reference.notice_link()
        if not link:
            return _("none")
        return format_html('<a href="{}" rel="noopener nofollow">{}</a>', link, link)

    @admin.display(description=_("in use"), ordering="use_count")
    def in_use(self, reference):
        """How many rows elsewhere point at the reference (citations, studies …)."""
        count = getattr(reference, "use_count", None)
        if count is None and reference.pk:
            count = Reference.objects.filter(pk=reference.pk).with_use_counts()[0].use_count
        return count or _("not used")

    @admin.display(description=_("link"), ordering="link_status")
    def link_health(self, reference):
        return link_health(reference)

    @admin.display(description=_("as cited in articles"))
    def as_cited(self, reference):
        if not reference.pk:
            return _("Shown after the first save.")
        return as_cited_html(reference)

    def save_model(self, request, obj, form, change):
        if form.lookup:
            outcome = form.lookup
            obj.metadata_source = outcome.record.source
            obj.metadata_fetched_at = timezone.now()
            if outcome.notice:
                obj.notice_status = outcome.notice.status
                obj.notice_doi = outcome.notice.doi
                obj.notice_url = outcome.notice.url
                obj.notice_checked_at = obj.metadata_fetched_at
            self.message_user(
                request,
                _("Details fetched from %(source)s; check them.")
                % {"source": obj.get_metadata_source_display()},
                messages.SUCCESS,
            )
        if form.lookup_warning:
            self.message_user(request, form.lookup_warning, messages.WARNING)
        super().save_model(request, obj, form, change)
        if form.lookup or set(form.changed_data) & DETAIL_FIELDS:
            reference_details_changed.send(sender=Reference, reference=obj)
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

    def response_add(self, request, obj, post_url_continue=None):
        if FETCH_BUTTON in request.POST:
            return HttpResponseRedirect(reverse("admin:references_reference_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if FETCH_BUTTON in request.POST:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def import_view(self, request):
        """Paste or upload RIS, BibTeX or CSL-JSON; all of it is added, or none."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                added, existing = services.import_references(items=form.cleaned_data["items"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    _("Imported %(added)d references; %(existing)d were already in the library.")
                    % {"added": len(added), "existing": len(existing)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:references_reference_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import references"),
            "form": form,
        }
        return TemplateResponse(request, "admin/references/reference/import.html", context)

    def export(self, queryset, format):
        references = queryset.order_by("pk")
        response = HttpResponse(
            formats.write(references, format),
            content_type=f"{formats.CONTENT_TYPES[format]}; charset=utf-8",
        )
        filename = f"references.{formats.EXTENSIONS[format]}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=_("Export as RIS (Zotero, EndNote, Mendeley)"))
    def export_ris(self, request, queryset):
        return self.export(queryset, "ris")

    @admin.action(description=_("Export as BibTeX"))
    def export_bibtex(self, request, queryset):
        return self.export(queryset, "bibtex")

    @admin.action(description=_("Export as CSL-JSON"))
    def export_csl_json(self, request, queryset):
        return self.export(queryset, "csl-json")

    @admin.action(description=_("Fetch details and check for retractions"), permissions=["change"])
    def fetch_details(self, request, queryset):
        count = queryset.count()
        if count > FETCH_NOW_LIMIT:
            self.message_user(
                request,
                _(
                    "Select at most %(limit)d references to fetch at once (you selected "
                    "%(count)d). The whole library is refreshed by manage.py refresh_references."
                )
                % {"limit": FETCH_NOW_LIMIT, "count": count},
                messages.WARNING,
            )
            return
        result = refresh(queryset, **editor_services())
        counts = result.counts
        self.message_user(
            request,
            _(
                "Looked up %(looked)d references: %(filled)d filled, %(retracted)d retracted, "
                "%(failed)d failed; %(skipped)d without a PMID, PMC ID or DOI."
            )
            % {
                "looked": counts["looked up"],
                "filled": counts["filled"],
                "retracted": counts["retracted"],
                "failed": len(result.failures),
                "skipped": counts["skipped"],
            },
            messages.WARNING if result.failures or counts["retracted"] else messages.SUCCESS,
        )
        for reference, message in result.failures[:5]:
            self.message_user(request, f"{reference}: {message}", messages.WARNING)

    def duplicates_view(self, request):
        """Groups of references that look like one source, each with a button to merge it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        groups = Reference.objects.with_use_counts().duplicate_groups()
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
        references = list(queryset.order_by("-use_count", "pk"))
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
            result = services.merge_references(keep=keep, others=others, user=request.user)
        except ValidationError as error:
            self.message_user(
                request,
                _("Nothing was merged: %(reason)s") % {"reason": " ".join(error.messages)},
                messages.ERROR,
            )
            return None
        parts = [
            _("%(count)d %(what)s moved") % {"count": count, "what": rows_of(model, count)}
            for model, count in result.moved.items()
        ]
        parts += [
            _("%(count)d %(what)s dropped, as its owner already pointed at the one kept")
            % {"count": count, "what": rows_of(model, count)}
            for model, count in result.dropped.items()
        ]
        self.message_user(
            request,
            ngettext(
                "Merged %(count)d reference into “%(title)s”: %(details)s.",
                "Merged %(count)d references into “%(title)s”: %(details)s.",
                result.merged,
            )
            % {
                "count": result.merged,
                "title": result.kept.title,
                "details": "; ".join(parts) or _("nothing pointed at them"),
            },
            messages.SUCCESS,
        )
        return None
