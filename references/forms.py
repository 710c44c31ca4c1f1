"""
The forms of the references admin: a reference, with a box to paste an identifier and "Fetch
details" (the lookups run while the form is validated, with waits short enough for an editor),
and the import of files from reference managers (RIS, BibTeX, CSL-JSON).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import formats
from .identifiers import parse_identifier
from .metadata import crossref, fetch_records, ncbi
from .models import Reference, ReferenceType, record_url

#: Waits an editor at the admin can bear: short timeouts, one retry, no long Retry-After.
EDITOR_LOOKUP = {"timeout": 5.0, "retries": 1, "backoff": 0.5, "max_wait": 3.0}
#: The name of the "Fetch details" button.
FETCH_BUTTON = "_fetch"


def editor_services():
    """NCBI and Crossref with waits short enough for an editor at the admin."""
    return {
        "ncbi_service": ncbi.service(**EDITOR_LOOKUP),
        "crossref_service": crossref.service(**EDITOR_LOOKUP),
    }


class ReferenceForm(forms.ModelForm):
    """The reference form, with a box to paste an identifier into and "Fetch details"."""

    lookup_identifier = forms.CharField(
        label=_("Fetch details for"),
        required=False,
        help_text=_(
            "Paste a PMID, PMC ID, DOI, or a PubMed, PMC, doi.org or publisher address that "
            "carries one, then press “Fetch details”. Left empty, the identifiers below are used."
        ),
    )

    class Meta:
        model = Reference
        fields = ["title"]  # the admin adds the rest from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup = None
        self.lookup_warning = ""
        # A pasted identifier can stand for both: the record gives the title, the identifier
        # the address. `clean` says so when they are still missing.
        # Fields shown read-only (a locked reference: see the articles app) are not in the form.
        for name in ("title", "url", "reference_type"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_reference_type(self):
        return self.cleaned_data["reference_type"] or ReferenceType.WEBPAGE

    def clean_authors(self):
        return self.cleaned_data["authors"] or []

    def clean_editors(self):
        return self.cleaned_data["editors"] or []

    def clean(self):
        cleaned = super().clean()
        fetch = FETCH_BUTTON in self.data
        identifiers = self.identifiers(cleaned)
        wants_lookup = fetch or (
            any(identifiers.values()) and not self.probe(cleaned).has_bibliographic_details()
        )
        if wants_lookup and not self.errors:
            self.fetch(cleaned, identifiers, overwrite=fetch)
        for field in ("title", "url"):
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, _("This field is required (or fetch the details)."))
        return cleaned

    def identifiers(self, cleaned):
        pasted = parse_identifier(cleaned.get("lookup_identifier") or "")
        if cleaned.get("lookup_identifier") and not pasted.items():
            self.add_error(
                "lookup_identifier",
                _("No PMID, PMC ID or DOI found in this. A DOI looks like 10.3390/nu13020463."),
            )
        if pasted.items():
            return {"doi": "", "pmid": "", "pmcid": "", **dict(pasted.items())}
        return self.probe(cleaned).lookup_identifiers()

    def probe(self, cleaned):
        """An unsaved reference with the form's values."""
        names = [field.name for field in Reference._meta.fields]
        return Reference(**{name: cleaned[name] for name in names if cleaned.get(name) is not None})

    def fetch(self, cleaned, identifiers, *, overwrite):
        [outcome] = fetch_records([identifiers], **editor_services())
        if outcome.record is None:
            message = _("The details could not be fetched: %(reason)s") % {"reason": outcome.error}
            if overwrite:
                raise ValidationError(message)
            self.lookup_warning = message
            return
        probe = self.probe(cleaned)
        for field, value in identifiers.items():
            if value and not getattr(probe, field):
                setattr(probe, field, value)
        changed = probe.apply_csl(outcome.record.csl, only_empty=not overwrite)
        if not probe.url:
            probe.url = record_url(probe)
        for field in {*changed, *identifiers, "url"}:
            if field in self.fields:
                cleaned[field] = getattr(probe, field)
        self.lookup = outcome
        if outcome.errors:
            self.lookup_warning = _("Partly fetched: %(reason)s") % {"reason": outcome.error}


class ImportForm(forms.Form):
    text = forms.CharField(
        label=_("Paste references"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 90}),
        help_text=_("As exported from Zotero, EndNote or Mendeley: RIS, BibTeX or CSL-JSON."),
    )
    file = forms.FileField(label=_("or choose a file"), required=False)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Recognise it")), *formats.FORMATS.items()],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("text") or ""
        if upload := cleaned.get("file"):
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError(_("The file is not UTF-8 text.")) from None
        if not text.strip():
            raise ValidationError(_("Paste references or choose a file."))
        try:
            cleaned["items"] = formats.read(text, cleaned.get("format") or None)
        except formats.FormatError as error:
            raise ValidationError(str(error)) from None
        if not cleaned["items"]:
            raise ValidationError(_("No references were found in this."))
        return cleaned
