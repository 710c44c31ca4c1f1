"""
The reading structure of an article: sections with their sub-sections, anchors and numbers.

Sections are stored flat and ordered, each with a level. A level 3 sub-section belongs to the
nearest level 2 section before it; when that parent asks for numbered sub-sections they read
"1.", "2.", ... Anchors come from the headings, made unique within the page, so a table of
contents and shared links stay stable while the headings do.

The reference list numbers an article's citations 1, 2, 3 … and remembers, for each, the studies
that cite it, so every entry can link back to the places it is cited.

An RDA table with a place (`RDATable.section`, `after_paragraph`) is shown inside that section,
right after that paragraph: the section's text, sanitised HTML, is cut between its top-level
elements (`split_after_paragraphs`), never inside one, so each piece is whole HTML. Tables with
no place keep theirs, after the sections.

`ArticlePage` puts it all together for the article page.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils import timezone
from django.utils.text import slugify

from hslhealing.prepared_queries import PreparedQuery
from references.models import FLAGGED_NOTICES, Reference

from ..models import (
    Article,
    Disclaimer,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    Tag,
)
from .intake_grid import intake_grid


@dataclass
class BodyPart:
    """A run of whole top-level elements of a section's text, and the tables shown after it."""

    html: str
    tables: list = field(default_factory=list)


#: Elements with no end tag, which close themselves.
_VOID_ELEMENTS = {"br", "hr", "img", "wbr", "col", "area", "source", "track", "input"}


class _TopLevelEnds(HTMLParser):
    """Where each top-level element of an HTML fragment ends (offsets in the fragment), and
    which of them are paragraphs."""

    def __init__(self, fragment):
        super().__init__(convert_charrefs=False)
        self.fragment = fragment
        self.line_starts = [0]
        for index, character in enumerate(fragment):
            if character == "\n":
                self.line_starts.append(index + 1)
        self.depth = 0
        self.ends = []  # [(offset after the element, is a paragraph)]
        self.feed(fragment)
        self.close()

    def offset_after_tag(self):
        line, column = self.getpos()
        start = self.line_starts[line - 1] + column
        return self.fragment.index(">", start) + 1

    def handle_starttag(self, tag, attrs):
        if tag in _VOID_ELEMENTS:
            if self.depth == 0:
                self.ends.append((self.offset_after_tag(), False))
            return
        self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.ends.append((self.offset_after_tag(), False))

    def handle_endtag(self, tag):
        if tag in _VOID_ELEMENTS:
            return
        self.depth = max(self.depth - 1, 0)
        if self.depth == 0:
            self.ends.append((self.offset_after_tag(), tag == "p"))


def split_after_paragraphs(body, tables):
    """`body` (a section's sanitised HTML) cut into `BodyPart`s, each table after the
    paragraph (top-level `<p>`, 1 is the first; 0 before the text) it names; a table naming no
    paragraph, or one the text does not have, comes at the end. The parts joined give `body`
    back unchanged. The importer counts paragraphs the same way (`DraftRDATable`)."""
    if not tables:
        return [BodyPart(body)]
    paragraph_ends = [0] + [end for end, is_paragraph in _TopLevelEnds(body).ends if is_paragraph]
    after = defaultdict(list)
    for table in tables:
        number = table.after_paragraph
        known = number is not None and number < len(paragraph_ends)
        after[paragraph_ends[number] if known else len(body)].append(table)
    parts, start = [], 0
    for cut in sorted(after):
        parts.append(BodyPart(body[start:cut], after[cut]))
        start = cut
    if start < len(body):
        parts.append(BodyPart(body[start:]))
    return parts


@dataclass
class OutlineEntry:
    section: Section
    anchor: str
    number: int | None = None
    studies: list = field(default_factory=list)
    children: list["OutlineEntry"] = field(default_factory=list)
    #: The section's text, cut where its RDA tables are shown.
    body_parts: list = field(default_factory=list)

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


def build_outline(sections, reference_numbers, *, studies_of=None, tables=()):
    """Nest `sections` (ordered) into top-level `OutlineEntry`s with their sub-sections, and
    give each study the number of its reference (`study.reference_number`, None if uncited).
    `studies_of(section)` gives a section's studies when they are not to be read from the
    database (an import's preview, whose rows were rolled back). `tables` (RDA tables) with a
    section are placed in its text."""
    tables_by_section = defaultdict(list)
    for table in tables:
        if table.section_id is not None:
            tables_by_section[table.section_id].append(table)
    entries, used_anchors = [], set()
    parent = None
    for section in sections:
        studies = list(studies_of(section) if studies_of else section.studies.all())
        for study in studies:
            study.reference_number = reference_numbers.get(study.reference_id)
        entry = OutlineEntry(
            section=section,
            anchor=_unique_anchor(section, used_anchors),
            studies=studies,
            body_parts=split_after_paragraphs(section.body, tables_by_section[section.pk]),
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


def build_reference_list(references, outline):
    """Number the article's cited `references` (in citation order) and attach the studies of
    `outline` that cite each one, in reading order."""
    studies_by_reference = defaultdict(list)
    for entry in _walk(outline):
        for study in entry.studies:
            if study.reference_id is not None:
                studies_by_reference[study.reference_id].append(study)
    return [
        ReferenceEntry(number, reference, studies_by_reference[reference.pk])
        for number, reference in enumerate(references, start=1)
    ]


# The article page's part queries, compiled once per process (hslhealing/prepared_queries.py):
# each is run on every full render of every article.
SECTIONS_OF_ARTICLE = PreparedQuery(
    lambda article_id: Section.objects.filter(article_id=article_id)
)
STUDIES_OF_ARTICLE = PreparedQuery(
    lambda article_id: Study.objects.filter(section__article_id=article_id)
)
RDA_TABLES_OF_ARTICLE = PreparedQuery(
    lambda article_id: RDATable.objects.filter(article_id=article_id)
)
RDA_ROWS_OF_ARTICLE = PreparedQuery(
    lambda article_id: RDARow.objects.filter(table__article_id=article_id)
)
#: The references themselves, in citation order: the citation rows add nothing shown.
REFERENCES_OF_ARTICLE = PreparedQuery(
    lambda article_id: Reference.objects.filter(citations__article_id=article_id).order_by(
        "citations__position", "citations__pk"
    )
)
TAGS_OF_ARTICLE = PreparedQuery(lambda article_id: Tag.objects.filter(articles=article_id))
DISCLAIMERS_OF_ARTICLE = PreparedQuery(
    lambda article_id: Disclaimer.objects.filter(articles=article_id)
)


@dataclass
class ArticlePage:
    """Everything the article page shows besides the article row, in a fixed number of queries:
    one a part (sections, their studies, intake tables, their rows, the cited references,
    tags, live related articles, disclaimers), none for a part the article does not have.
    Each part is a plain list, read from the database once and laid out once here, so the
    templates never go back to a related manager (each `.all()` is a new queryset)."""

    article: Article
    outline: list
    references: list
    tables: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    #: (title, slug) of each live article the editor linked, in the editor's order.
    related_links: list = field(default_factory=list)
    disclaimers: list = field(default_factory=list)

    @classmethod
    def load(cls, article):
        """Fetch the article's parts and lay them out."""
        sections = list(SECTIONS_OF_ARTICLE(article.pk))
        studies = defaultdict(list)
        if sections:
            for study in STUDIES_OF_ARTICLE(article.pk):
                studies[study.section_id].append(study)
        tables = list(RDA_TABLES_OF_ARTICLE(article.pk))
        if tables:
            rows = defaultdict(list)
            for row in RDA_ROWS_OF_ARTICLE(article.pk):
                rows[row.table_id].append(row)
            for table in tables:
                table.grid = intake_grid(rows[table.pk], anchor=f"rda-{table.pk}")
        references = list(REFERENCES_OF_ARTICLE(article.pk))
        reference_numbers = {
            reference.pk: number for number, reference in enumerate(references, start=1)
        }
        outline = build_outline(
            sections,
            reference_numbers,
            studies_of=lambda section: studies[section.pk],
            tables=tables,
        )
        return cls(
            article=article,
            outline=outline,
            references=build_reference_list(references, outline),
            tables=tables,
            tags=list(TAGS_OF_ARTICLE(article.pk)),
            related_links=list(
                RelatedArticle.objects.filter(
                    article_id=article.pk,
                    related__status=Article.Status.PUBLISHED,
                    related__publish_at__lte=timezone.now(),
                ).values_list("related__title", "related__slug")
            ),
            disclaimers=list(DISCLAIMERS_OF_ARTICLE(article.pk)),
        )

    @property
    def unplaced_tables(self):
        """The RDA tables with no section of their own, shown after the sections."""
        return [table for table in self.tables if table.section_id is None]

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
