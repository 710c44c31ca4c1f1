"""
Saving a long article: the browser sends only the sections that changed.

An article of a few hundred sections posts thousands of fields (every heading, body, position,
study and the management form of each section's studies), beyond Django's
DATA_UPLOAD_MAX_NUMBER_FIELDS. Rather than raising that limit for every page, the article page's
script (static/js/admin-desk.js) leaves out each section nobody touched, studies included, and
names them in `UNCHANGED_FIELD` as "form index:section id" pairs. Before the admin reads the
form, `complete_unchanged_sections` puts back the stored values of those sections, exactly as
the page showed them, so the formsets see a whole, unchanged form for each.

Only sections of the article being saved are put back; a section deleted or moved in between
is caught by the edit-conflict check (editing/forms.py), since any save changes `updated_at`.
"""

from django.core.exceptions import SuspiciousOperation

from ..models import Section

#: The hidden field naming the sections the browser left out.
UNCHANGED_FIELD = "_unchanged_sections"


def parse_unchanged(value):
    """[(form index, section id)] from "3:45,4:46"; SuspiciousOperation for anything else."""
    pairs = []
    for item in filter(None, value.split(",")):
        index, _sep, pk = item.partition(":")
        if not (index.isdigit() and pk.isdigit()):
            raise SuspiciousOperation(f"Malformed {UNCHANGED_FIELD}")
        pairs.append((int(index), int(pk)))
    return pairs


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
    pairs = parse_unchanged(data.get(UNCHANGED_FIELD, ""))
    completed = data.copy()
    completed.pop(UNCHANGED_FIELD, None)
    sections = Section.objects.filter(article=article, pk__in=[pk for _index, pk in pairs])
    sections = {section.pk: section for section in sections.prefetch_related("studies")}
    if len(sections) != len(pairs):
        raise SuspiciousOperation("A left-out section is not a section of this article.")
    for index, pk in pairs:
        section = sections[pk]
        section_prefix = f"{prefix}-{index}"
        values = form_values(section_form(instance=section, prefix=section_prefix))
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
