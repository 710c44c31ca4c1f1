"""
No surprises on save: where each error of the article page is, said at the top of the page.

When a save is refused, Django's admin says "Please correct the errors below" and marks each
field in place; on a long article the field is inside a folded section, studies inside it. The
article page therefore lists every error above the form, each naming its place as an editor
reads it (“Section 4 “Dosage and safety…”, study 2: effect figure”) and linking to the field;
the page's script (static/js/admin-desk.js) opens the folded section the link leads into, and a
section holding an error opens by itself.

A hero image chosen on a refused save is kept for the next one (editing/kept_uploads.py).
"""

from dataclasses import dataclass

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from ..models import Citation, RDARow, RDATable, RelatedArticle, Section, Study

#: How each part of an article is called in an error's place, and the field naming it.
PART_NAMES = {
    Section: (_l("Section"), "heading"),
    Study: (_l("study"), None),
    RDATable: (_l("RDA table"), "nutrient"),
    RDARow: (_l("row"), None),
    Citation: (_l("Reference"), None),
    RelatedArticle: (_l("“You may also like” line"), None),
}
#: Characters of a heading or nutrient kept in an error's place.
NAME_LENGTH = 40


@dataclass(frozen=True)
class ErrorLocation:
    """One error: where it is (“Section 4 “Dosage…”, study 2”), the field's label, the
    message, and the id of the element to jump to."""

    place: str
    field: str
    message: str
    anchor: str


def part_place(model, number, form):
    """“Section 4 “Dosage and safety…”” for the 4th form of a formset of `model`."""
    name, naming_field = PART_NAMES.get(model, (model._meta.verbose_name, None))
    place = f"{name} {number}"
    if naming_field and naming_field in form.fields:
        value = str(form[naming_field].value() or "").strip()
        if value:
            place += f" “{Truncator(value).chars(NAME_LENGTH)}”"
    return place


def _field_label(form, name):
    if name in form.fields:
        return str(form.fields[name].label or name).lower()
    return ""


def _anchor(form, name):
    if name in form.fields:
        return form[name].id_for_label or ""
    return ""


def _form_errors(form, place):
    for name, messages in form.errors.items():
        for message in messages:
            yield ErrorLocation(place, _field_label(form, name), message, _anchor(form, name))


def _formset_errors(formset, parents, plural=None):
    """The errors of `formset` and of the formsets nested in its forms (django-nested-admin
    keeps those on each form as `nested_formsets`); `plural` names the whole list."""
    plural = str(plural or formset.model._meta.verbose_name_plural)
    for message in formset.non_form_errors():
        place = ", ".join([*parents, plural[:1].upper() + plural[1:]])
        yield ErrorLocation(place, "", message, f"{formset.prefix}-group")
    for number, form in enumerate(formset.forms, start=1):
        if formset.can_delete and (getattr(form, "cleaned_data", None) or {}).get("DELETE"):
            continue
        place = ", ".join([*parents, part_place(formset.model, number, form)])
        yield from _form_errors(form, place)
        for nested in getattr(form, "nested_formsets", None) or []:
            yield from _formset_errors(nested, [place])


def error_locations(form, inline_admin_formsets):
    """Every error of the article `form` and its inlines (the admin's `InlineAdminFormSet`s),
    with its place. The form's own non-field errors are left out: the admin shows them at the
    top already."""
    locations = [location for location in _form_errors(form, _("Article")) if location.field]
    for inline in inline_admin_formsets:
        locations.extend(_formset_errors(inline.formset, [], inline.opts.verbose_name_plural))
    return locations
