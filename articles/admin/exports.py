"""
The article list's exports for staff (articles/exports.py does the writing): the list as
filtered and searched, or the selected rows, as CSV, XLSX or JSON for users with the "Can export
articles" permission; the selected articles as Markdown; and the references they cite, for a
reference manager or as text. Mixed into `ArticleAdmin`.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from .. import exports
from ..textformat import markdown


class ExportActionsMixin:
    # Exports (articles/exports.py): the changelist as filtered and searched, or the selected
    # rows, for users with the "Can export articles" permission (the Staff exporters group).

    def has_export_permission(self, request):
        codename = get_permission_codename("export", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

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
