"""
The reading structure of an article: sections with their sub-sections, anchors and numbers.

Sections are stored flat and ordered, each with a level. A level 3 sub-section belongs to the
nearest level 2 section before it; when that parent asks for numbered sub-sections they read
"1.", "2.", ... Anchors come from the headings, made unique within the page, so a table of
contents and shared links stay stable while the headings do.

The reference list numbers an article's citations 1, 2, 3 … and remembers, for each, the studies
that cite it, so every entry can link back to the places it is cited.

`ArticlePage` puts it all together for the article page.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects
from django.utils.text import slugify

from references.models import FLAGGED_NOTICES, Reference

from ..models import Article, Section, page_content_prefetches


@dataclass
class OutlineEntry:
    section: Section
    anchor: str
    number: int | None = None
    studies: list = field(default_factory=list)
    children: list["OutlineEntry"] = field(default_factory=list)

    @property
    def callouts(self):
        return [study for study in self.studies if study.display == study.Display.CALLOUT]

    @property
    def in_text_sources(self):
        return [study for study in self.studies if study.display == study.Display.IN_TEXT]

    @property
    def title(self):
        heading = self.section.heading
        return f"{self.number}. {heading}" if self.number else heading


def build_outline(sections, reference_numbers, *, studies_of=None):
    """Nest `sections` (ordered) into top-level `OutlineEntry`s with their sub-sections, and
    give each study the number of its reference (`study.reference_number`, None if uncited).
    `studies_of(section)` gives a section's studies when they are not to be read from the
    database (an import's preview, whose rows were rolled back)."""
    entries, used_anchors = [], set()
    parent = None
    for section in sections:
        studies = list(studies_of(section) if studies_of else section.studies.all())
        for study in studies:
            study.reference_number = reference_numbers.get(study.reference_id)
        entry = OutlineEntry(
            section=section, anchor=_unique_anchor(section, used_anchors), studies=studies
        )
        if section.level == Section.Level.SUBSECTION and parent is not None:
            if parent.section.number_subsections:
                entry.number = len(parent.children) + 1
            parent.children.append(entry)
        else:
            parent = entry
            entries.append(entry)
    return entries


@dataclass
class ReferenceEntry:
    number: int
    reference: Reference
    citing_studies: list = field(default_factory=list)

    @property
    def anchor(self):
        return f"ref-{self.number}"

    @property
    def notice(self):
        """The label readers see beside a retracted or corrected paper ("Retracted",
        "Corrected", "Expression of concern"), or "" when there is no notice."""
        if self.reference.notice_status in FLAGGED_NOTICES:
            return self.reference.get_notice_status_display()
        return ""


def build_reference_list(citations, outline):
    """Number the article's `citations` (ordered) and attach the studies of `outline` that cite
    each one, in reading order."""
    studies_by_reference = defaultdict(list)
    for entry in _walk(outline):
        for study in entry.studies:
            if study.reference_id is not None:
                studies_by_reference[study.reference_id].append(study)
    return [
        ReferenceEntry(number, citation.reference, studies_by_reference[citation.reference_id])
        for number, citation in enumerate(citations, start=1)
    ]


@dataclass
class ArticlePage:
    """Everything the article page shows besides the article row, in a fixed number of queries."""

    article: Article
    outline: list
    references: list

    @classmethod
    def load(cls, article):
        """Fetch the article's parts onto `article` and lay them out."""
        prefetch_related_objects([article], *page_content_prefetches())
        outline = build_outline(article.sections.all(), article.reference_numbers())
        return cls(
            article=article,
            outline=outline,
            references=build_reference_list(article.citations.all(), outline),
        )

    @property
    def contents(self):
        """The table of contents: the top-level entries that have a heading."""
        return [entry for entry in self.outline if entry.section.heading]


def _walk(entries):
    for entry in entries:
        yield entry
        yield from _walk(entry.children)


def _unique_anchor(section, used):
    base = slugify(section.heading)[:60].strip("-") or "introduction"
    anchor, suffix = base, 2
    while anchor in used:
        anchor, suffix = f"{base}-{suffix}", suffix + 1
    used.add(anchor)
    return anchor
