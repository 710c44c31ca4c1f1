"""
Saving a long article: the browser sends only the sections that changed.

An article of a few hundred sections posts thousands of fields (every heading, body, position,
study and the management form of each section's studies), beyond Django's
DATA_UPLOAD_MAX_NUMBER_FIELDS. Rather than raising that limit for every page, the article page's
script (static/js/admin-desk.js) leaves out each section nobody touched, studies included, and
names them in `UNCHANGED_FIELD` as "form index:section id:position" (the position as the page
numbered it when posting: django-nested-admin numbers every position afresh on submit, so a
left-out section's stored position could clash with a posted one). Before the admin reads the
form, `complete_unchanged_sections` puts back the stored values of those sections, in that
position, so the formsets see a whole, unchanged form for each.

Only sections of the article being saved are put back; a section deleted or moved in between
is caught by the edit-conflict check (editing/forms.py), since any save changes `updated_at`.
"""

from django.core.exceptions import SuspiciousOperation

from ..models import Section

#: The hidden field naming the sections the browser left out.
UNCHANGED_FIELD = "_unchanged_sections"


def parse_unchanged(value):
    """[(form index, section id, position or None)] from "3:45:3,4:46:4" (the position may be
    left out: "3:45"); SuspiciousOperation for anything else."""
    items = []
    for item in filter(None, value.split(",")):
        parts = item.split(":")
        if len(parts) not in (2, 3) or not all(part.isdigit() for part in parts):
            raise SuspiciousOperation(f"Malformed {UNCHANGED_FIELD}")
        index, pk, *position = (int(part) for part in parts)
        items.append((index, pk, position[0] if position else None))
    return items


def form_values(form):
    """What a browser posts for `form` (an unbound ModelForm showing its instance)."""
    values = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                values[bound.html_name] = ["on"]
        elif isinstance(value, list | tuple):
            values[bound.html_name] = [str(item) for item in value]
        else:
            values[bound.html_name] = ["" if value is None else str(value)]
    return values


def complete_unchanged_sections(data, *, article, section_form, study_form, prefix="sections"):
    """A copy of the posted `data` with the left-out sections of `article` put back, each with
    its studies (`section_form`/`study_form`: the admin inlines' form classes)."""
    left_out = parse_unchanged(data.get(UNCHANGED_FIELD, ""))
    completed = data.copy()
    completed.pop(UNCHANGED_FIELD, None)
    sections = Section.objects.filter(article=article, pk__in=[pk for _i, pk, _p in left_out])
    sections = {section.pk: section for section in sections.prefetch_related("studies")}
    if len(sections) != len(left_out):
        raise SuspiciousOperation("A left-out section is not a section of this article.")
    for index, pk, position in left_out:
        section = sections[pk]
        section_prefix = f"{prefix}-{index}"
        values = form_values(section_form(instance=section, prefix=section_prefix))
        if position is not None:
            values[f"{section_prefix}-position"] = [str(position)]
        values[f"{section_prefix}-id"] = [str(section.pk)]
        values[f"{section_prefix}-article"] = [str(article.pk)]
        studies = list(section.studies.all())
        study_prefix = f"{section_prefix}-studies"
        count = str(len(studies))
        for name, value in [("TOTAL", count), ("INITIAL", count), ("MIN_NUM", "0")]:
            values[f"{study_prefix}-{name}_FORMS"] = [value]
        values[f"{study_prefix}-MAX_NUM_FORMS"] = ["1000"]
        for study_index, study in enumerate(studies):
            one_prefix = f"{study_prefix}-{study_index}"
            values |= form_values(study_form(instance=study, prefix=one_prefix))
            values[f"{one_prefix}-id"] = [str(study.pk)]
            values[f"{one_prefix}-section"] = [str(section.pk)]
        for name, value in values.items():
            completed.setlist(name, value)
    return completed
