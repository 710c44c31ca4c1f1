"""
The admin's "Import article" pages: upload or paste a text, check what was recognised (a dry run
of the import, rolled back), then save it. `ArticleAdmin.get_urls` mounts `ImportArticleView`;
the saving itself is `editing/imports.import_article`, the service the command uses too.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from .editing import imports
from .models import Category, Contributor, Study
from .site.outline import build_outline
from .textformat import importer
from .textformat.draft import FORMAT_NAMES, MAX_BYTES, read_bytes, too_big_message

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
    author = forms.ModelChoiceField(
        label=_("Author"),
        queryset=Contributor.objects.all(),
        required=False,
        help_text=_(
            "The person who wrote it. Leave empty when the text names no one: the article is "
            "then signed by the publisher, never by someone who did not write it."
        ),
    )

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
                if upload.size > MAX_BYTES:
                    raise importer.ArticleImportError(too_big_message(upload.size))
                cleaned["source_text"] = read_bytes(upload.read())
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
    author = forms.ModelChoiceField(
        queryset=Contributor.objects.all(), widget=forms.HiddenInput, required=False
    )
    on_existing = forms.ChoiceField(
        label=_("This article is already on the site"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("update", _("Update it: replace its text, keeping its address and history")),
            ("new", _("Import this text as a new article, at a new address")),
        ],
    )
    disclaimer_wording = forms.ChoiceField(
        label=_("Which wording of the disclaimers"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            ("stock", _("The stock text, as on other articles")),
            ("own", _("The article's own wording, kept as a disclaimer of its own")),
        ],
    )


def preview_outline(result):
    """The outline of an import's (rolled back) sections, for the section template
    (templates/jinja2/includes/section.html): the reader site's builder, given the studies the
    dry run saved (the database no longer has them)."""
    numbers = {reference.pk: n for n, (reference, _reused) in enumerate(result.references, 1)}
    studies = {id(section): found for section, found in result.sections}
    return build_outline(
        [section for section, _found in result.sections],
        numbers,
        studies_of=lambda section: studies[id(section)],
    )


def studies_read(draft):
    """Each study of the draft as the preview lists it, with what the text says it was and
    the type recorded from that: only an exact type name sets one, else it is not stated."""
    types = dict(Study.StudyType.choices)
    return [
        {
            "section": section.heading,
            "citation": study.citation_text,
            "as_written": study.type_as_written,
            "recorded": types.get(study.study_type, ""),
            "figure": study.effect_figure,
        }
        for section in draft.sections
        for study in section.studies
    ]


class ImportArticleView(View):
    """Upload or paste an article, see what was recognised, then save it as a draft.
    `model_admin` is the ArticleAdmin that mounts it (permissions, admin context, log)."""

    model_admin = None

    def dispatch(self, request, *args, **kwargs):
        """Upload or paste an article, see what was recognised, then save it as a draft."""
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "source_text" in request.POST:
            return self.save(request)
        form = ImportArticleForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                return self.preview(
                    request,
                    text=data["source_text"],
                    source_name=data["source_name"],
                    title=data["title"],
                    category=data["category"],
                    author=data["author"],
                )
            except importer.ArticleImportError as error:
                form.add_error(None, str(error))
        return self.form_page(request, form)

    def form_page(self, request, form):
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": self.model_admin.opts,
            "title": _("Import article"),
            "subtitle": None,
            "form": form,
        }
        request.current_app = self.model_admin.admin_site.name
        return TemplateResponse(request, "admin/articles/article/import_form.html", context)

    def form_again(self, request, data, error):
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
        return self.form_page(request, form)

    def preview(self, request, *, text, source_name, title, category, author, error=""):
        """Read the text and save it in a transaction that is rolled back, to show exactly
        what saving would do (the dry run raises ArticleImportError for what cannot be saved)."""
        draft = importer.parse(
            text, filename=source_name, title=title, disclaimers=imports.disclaimer_hints()
        )
        matches = imports.find_existing(draft)
        existing = matches[0].article if matches else None
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
                "author": author.pk if author else "",
                # Shown beside both wordings; the command's default too.
                "disclaimer_wording": "stock",
            }
        )
        if existing is not None and not self.model_admin.has_write_permission(request, existing):
            confirm.fields["on_existing"].choices = confirm.fields["on_existing"].choices[1:]
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": self.model_admin.opts,
            "title": _("Check the import of “%(title)s”") % {"title": draft.title},
            "subtitle": None,
            "draft": draft,
            "result": result,
            "outline": preview_outline(result),
            "existing": existing,
            "matches": matches,
            "confirm": confirm,
            "error": error,
            "format_name": FORMAT_NAMES[draft.format],
            "source_name": source_name,
            "category": category,
            "suggested_category": imports.suggest_category(draft),
            "author": author,
            "byline": author.name if author else settings.PUBLISHER_NAME,
            "counts": imports.count_items(result),
            "disclaimer_differences": result.disclaimer_differences,
            "studies_read": studies_read(draft),
        }
        request.current_app = self.model_admin.admin_site.name
        return TemplateResponse(request, "admin/articles/article/import_preview.html", context)

    def save(self, request):
        confirm = ImportConfirmForm(request.POST)
        if not confirm.is_valid():
            return self.form_again(
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
            matches = imports.find_existing(draft)
            existing = matches[0].article if matches else None
            choice = data["on_existing"] or None
            if existing is not None and choice is None:
                return self.preview(
                    request,
                    **source,
                    error=_(
                        "This article is already on the site: choose whether to update it or "
                        "to import the text as a new article."
                    ),
                )
            wording = data["disclaimer_wording"]
            if not wording and imports.disclaimer_differences(draft):
                return self.preview(
                    request,
                    **source,
                    error=_(
                        "The article words a disclaimer differently from the stock text: choose "
                        "which wording to keep."
                    ),
                )
            if choice == "update" and not self.model_admin.has_write_permission(request, existing):
                raise PermissionDenied
            result = imports.import_article(
                draft=draft,
                category=data["category"],
                author=data["author"],
                on_existing=choice,
                user=request.user,
                source_name=data["source_name"],
                own_disclaimers=wording == "own",
            )
        except importer.ArticleImportError as error:
            return self.form_again(request, request.POST, str(error))
        article = result.article
        if result.created:
            self.model_admin.log_addition(request, article, [{"added": {}}])
            message = _("“%(title)s” was imported as a draft.")
        else:
            self.model_admin.log_change(request, article, _("Updated from an imported text."))
            message = _("“%(title)s” was updated from the imported text.")
        self.model_admin.message_user(request, message % {"title": article.title}, messages.SUCCESS)
        opts = self.model_admin.opts
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[article.pk])
        )
