"""
What an import reads into, before anything is saved: the `ArticleDraft` and its parts (plain
dataclasses), the one error an import raises (`ArticleImportError`), and the checks an upload
passes before it is parsed (bytes to text; size; shape: too many headings or nested items, a
paragraph too long).
"""

import datetime
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from references.identifiers import identifiers_from_url
from references.normalize import normalize_url

from ..models import RDARow, RDATable, Section
from .blocks import (
    MAX_PARAGRAPH,
    check_paragraph,
    collapse,
)

#: Largest file (or pasted text, in UTF-8) that can be imported.
MAX_BYTES = 2 * 1024 * 1024

PLAIN = "plain"
MARKDOWN = "markdown"
FORMAT_NAMES = {PLAIN: "plain text", MARKDOWN: "Markdown"}
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")
TEXT_SUFFIXES = (".txt", ".text")


class ArticleImportError(Exception):
    """Input that cannot be imported; the message is one line an editor can act on."""


# --------------------------------------------------------------------------------------------
# The draft


@dataclass
class DraftStudy:
    display: str
    authors: str
    year: int
    finding: str
    label: str = ""
    journal: str = ""
    effect_figure: str = ""
    study_type: str = ""
    #: What the text says the study was, as written: the words naming it ("A randomized
    #: trial", "A 2019 meta-analysis") or the type named after its citation; "" when it says
    #: nothing. `study_type` is set only when these words hold a type's exact name.
    type_as_written: str = ""
    #: 1-based position in the draft's reference list, when the text links the study to one.
    reference_number: int | None = None
    #: True for a study found from a citation in running text (not from a line of its own).
    from_citation: bool = False
    #: For a line "Cited in the text: (Authors, Year)" with no finding of its own: what is taken
    #: from the sentence of the section that cites it ("finding", and "figure" and "type"
    #: unless the line states them).
    from_sentence: tuple = ()

    @property
    def citation_text(self):
        return f"{self.authors}, {self.year}"


@dataclass
class DraftSection:
    heading: str
    level: int = Section.Level.SECTION
    number_subsections: bool = False
    blocks: list = field(default_factory=list)  # HTML fragments, in order
    studies: list = field(default_factory=list)

    @property
    def body(self):
        return "".join(self.blocks)


@dataclass
class DraftRDARow:
    life_stage: str
    age_from: int
    age_to: int | None
    amount: Decimal
    age_unit: str = RDARow.AgeUnit.YEARS
    intake_type: str = RDARow.IntakeType.RDA


@dataclass
class DraftRDATable:
    nutrient: str
    unit: str = RDATable.Unit.MG
    source_note: str = ""
    upper_limit: Decimal | None = None
    upper_limit_applies_to: str = ""
    rows: list = field(default_factory=list)
    #: Where the text puts the table: the index in ArticleDraft.sections of the section whose
    #: text introduces it, and how many of that section's top-level paragraphs (``<p>``) come
    #: before it, the unit `RDATable.after_paragraph` and the page (`site/outline.py`) count in:
    #: 0 before the first, None at the end of the section. section_index None for a table
    #: under a "Recommended intakes" heading of its own.
    section_index: int | None = None
    after_paragraph: int | None = None


@dataclass
class DraftReference:
    title: str
    url: str
    #: Identifiers an NLM citation states ("doi:10.…", "PMID: 123", "PMCID: PMC123").
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    #: The day a web page was read ("[cited 2025 Jan 8]").
    retrieved_on: datetime.date | None = None
    #: Whether it was read from an NLM citation (its title then cut from the citation).
    from_citation: bool = False

    @property
    def identifiers(self):
        return {"doi": self.doi, "pmid": self.pmid, "pmcid": self.pmcid}

    @property
    def normalized_url(self):
        return normalize_url(self.url)

    @property
    def duplicate_keys(self):
        """What another item of the list naming the same source shares with this one: the
        normalised URL, or an identifier the citation or the URL states (a PubMed address and
        its ncbi.nlm.nih.gov/pubmed/ twin give the same PMID)."""
        stated = {name: value for name, value in self.identifiers.items() if value}
        found = {**dict(identifiers_from_url(self.url).items()), **stated}
        return [
            ("url", self.normalized_url),
            *((name, value.upper()) for name, value in found.items()),
        ]


@dataclass(frozen=True)
class DisclaimerHint:
    """What the parser may know of an existing disclaimer (passed in; never looked up here)."""

    name: str
    title: str
    body: str = ""
    is_default: bool = False


@dataclass
class ArticleDraft:
    title: str
    standfirst: str
    format: str
    attribution: str = ""
    sections: list = field(default_factory=list)
    rda_tables: list = field(default_factory=list)
    references: list = field(default_factory=list)
    related_titles: list = field(default_factory=list)
    #: Names of the existing disclaimers the text's closing notes matched, in order.
    disclaimers: list = field(default_factory=list)
    #: The text's own wording of each matched disclaimer: name -> (label, HTML of its text).
    disclaimer_wordings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def slug(self):
        return slugify(self.title)[:200].strip("-") or "article"

    @property
    def studies(self):
        return [study for section in self.sections for study in section.studies]

    @property
    def rda_rows(self):
        return [row for table in self.rda_tables for row in table.rows]


# --------------------------------------------------------------------------------------------
# Reading bytes

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def read_bytes(data):
    """Decode an uploaded file: UTF-8 (with or without a byte order mark), then Windows-1252.
    Raise ArticleImportError for an empty, oversized, binary or undecodable file."""
    if len(data) > MAX_BYTES:
        raise ArticleImportError(too_big_message(len(data)))
    if not data.strip():
        raise ArticleImportError("The file is empty: there is no text to import.")
    if b"\x00" in data:
        raise _binary_error()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return check_text(text)
    raise ArticleImportError(
        "The file's characters could not be read: save it as UTF-8 text and import it again."
    )


def too_big_message(size):
    megabytes = math.ceil(size / 1024 / 1024 * 10) / 10
    return f"The file is {megabytes:.1f} MB; files of up to 2 MB can be imported."


def check_text(text):
    """Return pasted or decoded text, or raise ArticleImportError if it cannot be imported."""
    text = text.removeprefix("\ufeff")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ArticleImportError("The text is over 2 MB; texts of up to 2 MB can be imported.")
    if not text.strip():
        raise ArticleImportError("The text is empty: there is nothing to import.")
    if _CONTROL_CHARACTERS.search(text):
        raise _binary_error()
    return text


def _binary_error():
    return ArticleImportError(
        "This is not a text file (it holds binary data). Save the article as plain text (.txt) "
        "or Markdown (.md) and import it again."
    )


#: More headings than this and the text is refused before it is parsed: an article has a few
#: dozen (the publisher's longest has about 25), so a thousand is 40 times that and still
#: leaves room for any real text, while files of tens of thousands of headings (one a line)
#: are what take a parser tens of seconds.
MAX_HEADINGS = 1_000
#: What could be a heading: Markdown "#" lines and setext underlines; in plain text a short
#: line that starts with a capital or digit and does not end in punctuation (`is_heading_like`,
#: without its finer checks, so it may count more, never fewer).
_MARKDOWN_HEADING_LINE_RE = re.compile(r"^ {0,3}(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ \t]*$)", re.M)
_PLAIN_HEADING_LINE_RE = re.compile(
    r"^[ \t]*[A-ZÀ-ÖØ-Þ0-9][^\n]{0,119}(?<![.!?,;:\s])[ \t]*$", re.MULTILINE
)


#: More list items inside other lists than this and the text is refused before it is parsed:
#: articles nest a few items at most, while markdown-it reads every line of a deeply nested
#: list once per level (tens of seconds for 2 MB of lists 20 deep).
MAX_NESTED_ITEMS = 1_000
_NESTED_ITEM_LINE_RE = re.compile(r"^(?: {2,}|\t)[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)", re.M)


def check_shape(text, fmt):
    """Refuse, in one line, a text no article has: more than MAX_HEADINGS headings, or (in
    Markdown) more than MAX_NESTED_ITEMS nested list items, or (in plain text) a paragraph
    line over MAX_PARAGRAPH characters. Counted with one pattern each over the text, before
    any parsing."""
    pattern = _MARKDOWN_HEADING_LINE_RE if fmt == MARKDOWN else _PLAIN_HEADING_LINE_RE
    count = sum(1 for _ in pattern.finditer(text))
    if count > MAX_HEADINGS:
        raise ArticleImportError(
            f"The text has {count:,} heading lines; an article has at most {MAX_HEADINGS:,} "
            "(a few dozen is usual). Split it into separate articles and import each one."
        )
    if fmt == MARKDOWN:
        count = sum(1 for _ in _NESTED_ITEM_LINE_RE.finditer(text))
        if count > MAX_NESTED_ITEMS:
            raise ArticleImportError(
                f"The text has {count:,} list items inside other lists; an article has at most "
                f"{MAX_NESTED_ITEMS:,}. Flatten the lists and import again."
            )
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_PARAGRAPH:
            check_paragraph(collapse(line), number)


def detect_format(text, filename=""):
    """Markdown for .md files and for any text with a "#", "##" or "###" heading line."""
    name = (filename or "").lower()
    if name.endswith(MARKDOWN_SUFFIXES):
        return MARKDOWN
    if re.search(r"^#{1,3}[ \t]+\S", text, flags=re.MULTILINE):
        return MARKDOWN
    return PLAIN
