"""
The history of articles, kept with django-reversion.

Every save through the admin (and through the workflow services) stores one revision holding
the article together with everything written on its page: sections and the studies inside
them, RDA tables and their rows, citations and "You may also like" links. Restoring a
revision therefore brings the whole page back, deleted sections and studies included.

`compare_versions()` turns two stored versions of an article into what an editor wants to
read: which fields changed (with the words added and removed) and a summary of what happened
to the sections, studies, tables, references and links.
"""

import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.translation import gettext as _
from reversion.models import Version

from hslhealing.richtext import RichTextField
from references.models import Reference

from ..models import Article, Citation, RDARow, RDATable, RelatedArticle, Section, Study

# The parts of an article page, each following its own children, so one revision holds it all.
reversion.register(Study)
reversion.register(Section, follow=["studies"])
reversion.register(RDARow)
reversion.register(RDATable, follow=["rows"])
reversion.register(Citation)
reversion.register(RelatedArticle)
reversion.register(
    Article,
    follow=["sections", "rda_tables", "citations", "related_links"],
    # Derived from the text (articles/site/search.py); restoring text rebuilds it. What a
    # review covered belongs to the review (editing/review.py): restoring text keeps it.
    exclude=["search_vector", "reviewed_content", "review_out_of_date"],
)

#: Article fields a comparison leaves out: bookkeeping that changes on every save.
UNCOMPARED_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "search_vector",
    "related_articles",
    "reviewed_content",
    "review_out_of_date",
}


def versions_of(article):
    """The stored versions of an article, newest first, with who saved each one."""
    return (
        Version.objects.get_for_object(article)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def latest_version(article):
    return versions_of(article).first()


def saved_by(version):
    """The name of whoever saved a version, for messages and lists."""
    user = version.revision.user
    if user is None:
        return _("someone (not signed in, or a script)")
    return user.get_full_name() or user.get_username()


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    diff: str = ""  # HTML with <del>/<ins>, already escaped, for text fields


@dataclass
class PartChanges:
    title: str
    lines: list = field(default_factory=list)


@dataclass
class Comparison:
    old: Version
    new: Version
    fields: list
    parts: list

    @property
    def has_changes(self):
        return bool(self.fields or any(part.lines for part in self.parts))


def compare_versions(old, new):
    """What changed between two versions of the same article (`old` saved before `new`)."""
    return Comparison(
        old=old,
        new=new,
        fields=_field_changes(old.field_dict, new.field_dict),
        parts=_part_changes(_children(old), _children(new)),
    )


# Article fields.


def _field_changes(old, new):
    changes = []
    for model_field in Article._meta.get_fields():
        if not getattr(model_field, "concrete", False) or model_field.name in UNCOMPARED_FIELDS:
            continue
        key = model_field.attname
        before, after = old.get(key), new.get(key)
        if isinstance(model_field, models.ManyToManyField):
            before, after = sorted(before or []), sorted(after or [])
        if before == after:
            continue
        old_text, new_text = _display(model_field, before), _display(model_field, after)
        diff = ""
        if isinstance(model_field, models.CharField | models.TextField) and not model_field.choices:
            if isinstance(model_field, RichTextField):
                old_text, new_text = strip_tags(old_text), strip_tags(new_text)
            diff = word_diff(old_text, new_text)
        changes.append(FieldChange(str(model_field.verbose_name), old_text, new_text, diff))
    return changes


def _display(model_field, value):
    """A stored value as an editor reads it: names for people and lists, labels for choices."""
    if value in (None, "", []):
        return ""
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ManyToManyField):
        related = model_field.related_model._default_manager.filter(pk__in=value)
        names = dict(related.values_list("pk", "name"))
        return ", ".join(names.get(pk, _("(deleted)")) for pk in value)
    if isinstance(model_field, models.ForeignKey):
        target = model_field.related_model._default_manager.filter(pk=value).first()
        return str(target) if target else _("(deleted)")
    return str(value)


_TOKENS = re.compile(r"^\s+|\S+\s*")  # each word with the space after it


def word_diff(old, new):
    """HTML showing the words removed (<del>) and added (<ins>) between two texts."""
    old_words, new_words = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_words[i1:i2]), "".join(new_words[j1:j2])
        if tag == "equal":
            pieces.append(("{}", removed))
            continue
        if removed:
            pieces.append(("<del>{}</del>", removed))
        if added:
            pieces.append(("<ins>{}</ins>", added))
    return format_html_join("", "{}", ((format_html(template, text),) for template, text in pieces))


# The parts of the page.


def _children(version):
    """The field dicts of the sections, studies, tables, rows, citations and links saved with
    `version`, by model and object id."""
    wanted = [Section, Study, RDATable, RDARow, Citation, RelatedArticle]
    content_types = ContentType.objects.get_for_models(*wanted)
    by_model = {model: {} for model in wanted}
    model_of = {content_types[model].pk: model for model in wanted}
    versions = version.revision.version_set.filter(content_type__in=content_types.values())
    for child in versions:
        by_model[model_of[child.content_type_id]][child.object_id] = child.field_dict
    # Only the children of this article (a revision could hold another article's too).
    article_id = version.field_dict["id"]
    sections = {
        key: data for key, data in by_model[Section].items() if data["article_id"] == article_id
    }
    tables = {
        key: data for key, data in by_model[RDATable].items() if data["article_id"] == article_id
    }
    return {
        Section: sections,
        Study: {k: d for k, d in by_model[Study].items() if str(d["section_id"]) in sections},
        RDATable: tables,
        RDARow: {k: d for k, d in by_model[RDARow].items() if str(d["table_id"]) in tables},
        Citation: {k: d for k, d in by_model[Citation].items() if d["article_id"] == article_id},
        RelatedArticle: {
            k: d for k, d in by_model[RelatedArticle].items() if d["article_id"] == article_id
        },
    }


def _part_changes(old, new):
    return [
        PartChanges(_("Sections and studies"), _section_lines(old, new)),
        PartChanges(_("RDA tables"), _table_lines(old, new)),
        PartChanges(_("References"), _citation_lines(old, new)),
        PartChanges(_("You may also like"), _related_lines(old, new)),
    ]


def _heading(data):
    return data["heading"] or _("Introduction")


def _changed_labels(model, before, after, skip=("id",)):
    return [
        str(model._meta.get_field(name).verbose_name)
        for name in before
        if name not in skip and before.get(name) != after.get(name)
    ]


def _section_lines(old, new):
    lines = []
    old_sections, new_sections = old[Section], new[Section]
    for key, data in new_sections.items():
        if key not in old_sections:
            lines.append(_("Added section “%(heading)s”.") % {"heading": _heading(data)})
    for key, data in old_sections.items():
        if key not in new_sections:
            lines.append(_("Removed section “%(heading)s”.") % {"heading": _heading(data)})
    for key, after in new_sections.items():
        before = old_sections.get(key)
        if before is None:
            continue
        if before["heading"] != after["heading"]:
            lines.append(
                _("Heading “%(old)s” changed to “%(new)s”.")
                % {"old": _heading(before), "new": _heading(after)}
            )
        labels = _changed_labels(Section, before, after, skip=("id", "heading", "article_id"))
        if labels:
            lines.append(
                _("Section “%(heading)s”: changed %(fields)s.")
                % {"heading": _heading(after), "fields": ", ".join(labels)}
            )
    lines += _study_lines(old, new)
    return lines


def _study_lines(old, new):
    lines = []
    old_studies, new_studies = old[Study], new[Study]
    headings = {key: _heading(data) for key, data in {**old[Section], **new[Section]}.items()}

    def where(data):
        return headings.get(str(data["section_id"]), "?")

    for key, data in new_studies.items():
        if key not in old_studies:
            lines.append(
                _("Added study %(study)s to “%(heading)s”.")
                % {"study": f"{data['authors']}, {data['year']}", "heading": where(data)}
            )
    for key, data in old_studies.items():
        if key not in new_studies:
            lines.append(
                _("Removed study %(study)s from “%(heading)s”.")
                % {"study": f"{data['authors']}, {data['year']}", "heading": where(data)}
            )
    for key, after in new_studies.items():
        before = old_studies.get(key)
        labels = before and _changed_labels(Study, before, after)
        if labels:
            lines.append(
                _("Study %(study)s: changed %(fields)s.")
                % {"study": f"{after['authors']}, {after['year']}", "fields": ", ".join(labels)}
            )
    return lines


def _table_lines(old, new):
    lines = []
    old_tables, new_tables = old[RDATable], new[RDATable]
    for key, data in new_tables.items():
        if key not in old_tables:
            lines.append(_("Added the table for %(nutrient)s.") % {"nutrient": data["nutrient"]})
    for key, data in old_tables.items():
        if key not in new_tables:
            lines.append(_("Removed the table for %(nutrient)s.") % {"nutrient": data["nutrient"]})
    for key, after in new_tables.items():
        before = old_tables.get(key)
        labels = before and _changed_labels(RDATable, before, after)
        if labels:
            lines.append(
                _("Table for %(nutrient)s: changed %(fields)s.")
                % {"nutrient": after["nutrient"], "fields": ", ".join(labels)}
            )
    old_rows, new_rows = old[RDARow], new[RDARow]
    added = sum(1 for key in new_rows if key not in old_rows)
    removed = sum(1 for key in old_rows if key not in new_rows)
    changed = sum(1 for key, data in new_rows.items() if key in old_rows and old_rows[key] != data)
    for count, text in [
        (added, _("Rows added: %(count)s.")),
        (removed, _("Rows removed: %(count)s.")),
        (changed, _("Rows changed: %(count)s.")),
    ]:
        if count:
            lines.append(text % {"count": count})
    return lines


def _citation_lines(old, new):
    def cited(citations):
        ordered = sorted(citations.values(), key=lambda data: (data["position"], data["id"]))
        return [data["reference_id"] for data in ordered]

    before, after = cited(old[Citation]), cited(new[Citation])
    titles = dict(Reference.objects.filter(pk__in=set(before + after)).values_list("pk", "title"))
    lines = [
        _("Added reference “%(title)s”.") % {"title": titles.get(pk, _("(deleted)"))}
        for pk in after
        if pk not in before
    ]
    lines += [
        _("Removed reference “%(title)s”.") % {"title": titles.get(pk, _("(deleted)"))}
        for pk in before
        if pk not in after
    ]
    kept_before = [pk for pk in before if pk in after]
    kept_after = [pk for pk in after if pk in before]
    if kept_before != kept_after:
        lines.append(_("The references were renumbered."))
    return lines


def _related_lines(old, new):
    before = {data["related_id"] for data in old[RelatedArticle].values()}
    after = {data["related_id"] for data in new[RelatedArticle].values()}
    titles = dict(Article.objects.filter(pk__in=before | after).values_list("pk", "title"))
    lines = [
        _("Added “%(title)s”.") % {"title": titles.get(pk, _("(deleted)"))}
        for pk in sorted(after - before)
    ]
    lines += [
        _("Removed “%(title)s”.") % {"title": titles.get(pk, _("(deleted)"))}
        for pk in sorted(before - after)
    ]
    return lines
