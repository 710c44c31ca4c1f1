"""
Read an article handed in as plain text or Markdown into a draft, without touching the database.

`read_bytes()` turns an uploaded file into text (or says in one line why it cannot), and
`parse()` turns text into an `ArticleDraft`: plain dataclasses holding the title, standfirst,
sections, studies, intake tables, references, "You may also like" titles, disclaimer names and
the attribution line, plus a warning for everything that was guessed.
`editing/imports.py` saves a draft; `articles/textformat/markdown.py` writes an article back out in
the Markdown this module reads.

Two formats, one set of rules. Markdown is read by markdown-it-py (`blocks.py` walks its tokens
into blocks that keep each paragraph's source); plain text by the line reader below. What
matters here is recognising *which* paragraph is a study call-out, an intake list or a
reference, in its source, before any HTML exists: that part is ours.

- Plain text (``.txt``), written the way writers hand articles in: one paragraph per line, bullet
  items starting with "- ", "* " or "• ". A heading is a short line (at most 16 words and 120
  characters) that starts with a capital, does not end in punctuation and is followed by text,
  a list or another heading (an intake table's "Tolerable upper intake level: …" and "Source: …"
  lines never are). "1. Regulating …" written the same way is a numbered sub-heading:
  it becomes a sub-section of the section before, whose sub-sections are then numbered.
  Headings after a section with no text of its own, or whose text ends in a lead-in (":"),
  become its sub-sections, up to the next numbered group, the next heading of the publisher's
  closing sections ("Dosage …", "Safety …", "Future Research …", "Conclusion …") or the next
  heading with no text of its own; a warning names the choice made.
- Markdown (``.md``, or any text with a line starting "# ", "## " or "### "): CommonMark.
  "# Title", "##" sections, "###" sub-sections ("### 1. …" numbers them; setext headings count
  as "#" and "##"), paragraphs, lists, quotes, emphasis, links and autolinks, code spans (kept as
  text), ``<sub>``/``<sup>`` and backslash escapes. Lists and quotes nested more than 20 deep
  are refused. See `articles.textformat.markdown` for the call-out lines.

What is recognised, in both formats:

- Title: the first "# Title"; in plain text a title-like first line; otherwise the attribution
  line "<Title> is an original (HSLHealing) article." (kept as the article's attribution). A
  title typed by the editor wins over all of them.
- Standfirst: the first paragraph, before any heading.
- Study call-outs: a list item or quote "Label: A study in <Journal> found that … (Xu et al.,
  2013)." Journal, authors, year, the finding (without the "A study … found that" lead-in), any
  percentage ("20-30%") or "N million" as the effect figure. The study type is what the text
  states: the words naming the study are kept (`type_as_written`), and a type is set only when
  they hold its exact name ("meta-analysis", "randomised controlled trial"; see
  STUDY_TYPE_NAMES); otherwise it is not stated. A list item is a call-out only when it also
  speaks of a study, trial, review or research; "**Ion channels:** gates …" stays a list item.
- In-text citations "(Author et al., 2017)", "(A & B, 2010)" in paragraphs and list items become
  studies shown in the running text, with their sentence as the finding.
- Intake lists ("Men aged 19-30: 400 mg/day", "Women aged 31 and older: 320 mg/day", "Lactation
  (19–50 years): 10 mg/day"; every row gives its ages, else the list stays a list) become an
  RDA table that keeps its place: the section and the number of that section's top-level
  paragraphs before it (right after the sentence that introduces it), as the page counts them.
  In Markdown a "#### Intake table: Magnesium (mg)" heading over the list names the table and
  puts it where it stands ("… at the end of the section: …" for the section's end). Otherwise
  the nutrient comes from that sentence ("The Recommended Dietary Allowance (RDA) for
  magnesium is:"), with a warning.
- The list under "References" ("Title. Retrieved from: URL", or an NLM/Vancouver citation as the
  Markdown export writes it: "Wessells KR, Brown KH. Estimating … 2012;7(11):e50568.
  doi:10.1371/… PubMed PMID: 23209846. Available from: https://…"), de-duplicated by normalised
  URL and by the identifiers it states or its address states (a PubMed address and its
  ncbi.nlm.nih.gov/pubmed/ twin). A citation's address and identifiers (DOI, PMID, PMCID) are
  what find it in the library; its title is read from the citation only for a reference the
  library does not have yet.
- "You May Also Like" titles (the common typo "You May Alo Like" too).
- Closing paragraphs "Important Note: …" are matched to the existing disclaimers by their title
  or name (or, failing that, their wording); a disclaimer is never created from imported text.

Anything not recognised is kept as text of the section it is in; nothing is dropped.
"""

import datetime
import html
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from references.identifiers import identifiers_from_url
from references.models import IDENTIFIERS
from references.normalize import normalize_url

from ..models import RDARow, RDATable, Section, Study
from .blocks import (
    MAX_PARAGRAPH,
    Block,
    MarkdownNestingError,
    check_paragraph,
    collapse,
    markdown_blocks,
    markdown_inline,
    markdown_plain,
    markdown_shape,
    unhide,
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
            check_paragraph(_collapse(line), number)


def detect_format(text, filename=""):
    """Markdown for .md files and for any text with a "#", "##" or "###" heading line."""
    name = (filename or "").lower()
    if name.endswith(MARKDOWN_SUFFIXES):
        return MARKDOWN
    if re.search(r"^#{1,3}[ \t]+\S", text, flags=re.MULTILINE):
        return MARKDOWN
    return PLAIN


# --------------------------------------------------------------------------------------------
# Patterns

_NAME = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*(?:\s(?:van|von|de|der|den|da|di|du|le|la|el)\s[A-ZÀ-ÖØ-Þ][\w'’\-]*)?"
_AUTHORS = rf"{_NAME}(?:\s(?:et\sal\.?|(?:&|and)\s{_NAME}))?"
_ONE_CITATION = rf"(?P<authors>{_AUTHORS}),\s*(?P<year>(?:1[89]|2[01])\d\d)"
#: One parenthesis of citations, "(Xu et al., 2013)" or "(Lee, 2019; Park & Kim, 2020)".
CITATIONS_RE = re.compile(
    rf"(?<!\\)\((?P<body>{_AUTHORS},\s*\d{{4}}(?:;\s*{_AUTHORS},\s*\d{{4}})*)\)"
)
ONE_CITATION_RE = re.compile(_ONE_CITATION)

#: The end of a study line: finding, "(Authors, Year)", an optional full stop, an optional tail.
#: Here any author text is accepted ("World Health Organization"): the line says it is a study.
STUDY_LINE_RE = re.compile(
    r"^(?P<finding>.*?)\s*(?<!\\)\((?P<authors>[^()\s][^()]{0,199}?),\s*"
    r"(?P<year>(?:1[89]|2[01])\d\d)\)(?P<stop>[.!?]?)"
    r"(?:\s+(?:—|–|--?)\s+(?P<tail>.+?))?\s*$",
    re.DOTALL,
)

_STUDY_WORDS = (
    r"stud(?:y|ies)|trials?|research|reviews?|meta-analys[ie]s|analys[ie]s|surveys?|"
    r"experiments?|reports?|papers?|investigations?|evidence|data|findings?|cohorts?"
)
STUDY_WORD_RE = re.compile(rf"\b(?:{_STUDY_WORDS})\b", re.IGNORECASE)
_VERBS = (
    r"found|finds|showed|shows|shown|demonstrated|demonstrates|reported|reports|revealed|"
    r"reveals|suggested|suggests|indicated|indicates|concluded|observed|noted|confirmed"
)
#: "A study (published) in <Journal> found that …"
LEAD_IN_JOURNAL_RE = re.compile(
    rf"^(?P<lead>[^()]{{0,80}}?)\s*\b(?:published\s+)?in\s+(?:the\s+)?"
    rf"(?P<journal>\*[^*]+\*|[A-Z][^()]*?)\s+(?:{_VERBS})\s+(?:that\s+)?(?P<rest>.+)$",
    re.DOTALL,
)
#: "A 2019 meta-analysis found that …"
LEAD_IN_RE = re.compile(
    rf"^(?P<lead>[^()]{{0,80}}?)\s+(?:{_VERBS})\s+(?:that\s+)?(?P<rest>.+)$", re.DOTALL
)
_JOURNAL_SMALL_WORDS = {"of", "and", "&", "for", "the", "in", "on", "de", "la", "und", "a"}

FIGURE_RE = re.compile(
    r"\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+(?:[.,]\d+)?)?\s?%"
    r"|\d+(?:[.,]\d+)?\s(?:million|billion|thousand)\b"
)

#: The exact names of each study type. A study's type is read only from these words in the
#: words that name the study ("A meta-analysis in …", "— randomised controlled trial"); nothing
#: is inferred from other wording ("a small crossover trial", "a prevalence estimate").
STUDY_TYPE_NAMES = {
    Study.StudyType.SYSTEMATIC_REVIEW: [
        "systematic review",
        "systematic reviews",
        "meta-analysis",
        "meta-analyses",
        "meta analysis",
    ],
    Study.StudyType.RANDOMISED_TRIAL: [
        "randomised controlled trial",
        "randomized controlled trial",
        "randomised controlled trials",
        "randomized controlled trials",
        "rct",
    ],
    Study.StudyType.CLINICAL_TRIAL: [
        "non-randomised trial",
        "non-randomized trial",
        "non-randomised clinical trial",
        "non-randomized clinical trial",
    ],
    Study.StudyType.ANIMAL: ["animal study", "animal studies"],
    Study.StudyType.IN_VITRO: ["in vitro study", "in vitro studies", "cell study"],
    Study.StudyType.OBSERVATIONAL: [
        "observational study",
        "observational studies",
        "cohort study",
        "case-control study",
        "cross-sectional study",
    ],
    Study.StudyType.POPULATION: ["population survey", "epidemiological study"],
    Study.StudyType.REVIEW: ["narrative review"],
}
_TYPE_BY_NAME = {
    name: study_type for study_type, names in STUDY_TYPE_NAMES.items() for name in names
}
_TYPE_NAME_RE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(sorted(map(re.escape, _TYPE_BY_NAME), key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)

ATTRIBUTION_RE = re.compile(
    r"^(?P<title>.+?)\s+is\s+an\s+original\s+\([^()]{1,60}\)\s+article\.?$", re.IGNORECASE
)
EXPLICIT_ATTRIBUTION_RE = re.compile(r"^Attribution:\s*(?P<text>.+)$", re.IGNORECASE)
RELATED_MARKER_RE = re.compile(
    r"^(?:you\s+may\s+(?:also|alo|aslo|als|also\s+)\s*like|related\s+articles|related\s+reading)"
    r"\s*:?$",
    re.IGNORECASE,
)
REFERENCES_HEADING_RE = re.compile(
    r"^(?:references|sources|reference\s+list|bibliography)\s*:?$", re.IGNORECASE
)
#: The publisher's closing sections: never a sub-section of the heading before them.
CLOSING_HEADING_RE = re.compile(
    r"^(?:dosage|safety|side\s+effects|future\s+research|conclusions?|summary|"
    r"key\s+takeaways|final\s+thoughts|frequently\s+asked\s+questions|faqs?)\b",
    re.IGNORECASE,
)
INTAKES_HEADING_RE = re.compile(r"^recommended\s+(?:daily\s+)?intakes?\s*:?$", re.IGNORECASE)
IN_TEXT_LINE_RE = re.compile(r"^Cited\s+in\s+the\s+(?:running\s+)?text:\s*(?P<rest>.+)$", re.I)
LABEL_RE = re.compile(r"^(?P<label>[A-Z0-9][^:\n\\]{0,118}?):\s+(?P<rest>\S.*)$", re.DOTALL)
MD_LABEL_RE = re.compile(
    r"^(?P<mark>\*\*|__)(?P<label>[^*_\n\\]{1,118}?)(?::(?P=mark)|(?P=mark):)\s+(?P<rest>\S.*)$",
    re.DOTALL,
)
MD_IN_TEXT_RE = re.compile(
    r"^[*_]{0,2}Cited\s+in\s+the\s+(?:running\s+)?text:[*_]{0,2}\s+(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)

_STAGES = {
    "adult men": RDARow.LifeStage.MEN,
    "men": RDARow.LifeStage.MEN,
    "males": RDARow.LifeStage.MEN,
    "male": RDARow.LifeStage.MEN,
    "boys": RDARow.LifeStage.MEN,
    "adult women": RDARow.LifeStage.WOMEN,
    "women": RDARow.LifeStage.WOMEN,
    "females": RDARow.LifeStage.WOMEN,
    "female": RDARow.LifeStage.WOMEN,
    "girls": RDARow.LifeStage.WOMEN,
    "children": RDARow.LifeStage.CHILDREN,
    "kids": RDARow.LifeStage.CHILDREN,
    "infants": RDARow.LifeStage.INFANTS,
    "babies": RDARow.LifeStage.INFANTS,
    "pregnant women": RDARow.LifeStage.PREGNANCY,
    "pregnant teens": RDARow.LifeStage.PREGNANCY,
    "pregnancy": RDARow.LifeStage.PREGNANCY,
    "pregnant": RDARow.LifeStage.PREGNANCY,
    "breastfeeding women": RDARow.LifeStage.LACTATION,
    "lactating women": RDARow.LifeStage.LACTATION,
    "breastfeeding": RDARow.LifeStage.LACTATION,
    "lactation": RDARow.LifeStage.LACTATION,
    "lactating": RDARow.LifeStage.LACTATION,
}
#: How the exporter names each life stage (the importer reads these and the synonyms above).
STAGE_WORDS = {
    RDARow.LifeStage.MEN: "Men",
    RDARow.LifeStage.WOMEN: "Women",
    RDARow.LifeStage.CHILDREN: "Children",
    RDARow.LifeStage.INFANTS: "Infants",
    RDARow.LifeStage.PREGNANCY: "Pregnancy",
    RDARow.LifeStage.LACTATION: "Lactation",
}
_UNITS = {"mg": "mg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "iu": "IU", "g": "g"}
_STAGE_ALTERNATIVES = "|".join(sorted(map(re.escape, _STAGES), key=len, reverse=True))
#: An intake row: "Men aged 19-30: 400 mg/day", or with the ages in brackets, "Lactation
#: (19–50 years): 10 mg/day". A row must give its ages: "Pregnancy: 27 mg" has none to record.
RDA_ROW_RE = re.compile(
    rf"^(?P<stage>{_STAGE_ALTERNATIVES})"
    r"(?:,?\s+|\s*\((?P<bracket>))(?:aged\s+|ages?\s+)?"
    r"(?P<from>\d{1,3})\s*(?:(?:-|–|to)\s*(?P<to>\d{1,3})|(?P<plus>\+))?"
    r"(?:\s*(?P<age_unit>years?|yrs?|months?|mos?)\b)?"
    r"(?P<older>\s+(?:and|or)\s+(?:older|over|above))?"
    r"(?(bracket)\s*\))"
    r"\s*:\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>mg|mcg|µg|μg|ug|IU|g)\b"
    r"\s*(?:/\s*day|per\s+day|a\s+day|daily)?"
    r"\s*(?P<ai>\((?:AI|adequate\s+intake)\))?\s*\.?$",
    re.IGNORECASE,
)
RDA_LEAD_IN_RE = re.compile(
    r"(?:recommended\s+dietary\s+allowances?|\bRDAs?\b|adequate\s+intakes?|\bAIs?\b|"
    r"recommended\s+(?:daily\s+)?intakes?)"
    r"[^.:]*?\bfor\s+(?:the\s+)?(?P<nutrient>[\w\- ]{2,60}?)\s*(?:\b(?:is|are)\b\s*)?:?\s*$",
    re.IGNORECASE,
)
RDA_HEADING_RE = re.compile(
    r"^(?P<nutrient>.+?)(?:\s*\((?P<unit>mg|mcg|µg|μg|IU|g)(?:/day)?\))?$", re.IGNORECASE
)
#: A table in its place in a section (Markdown, "####"): "Intake table: Magnesium (mg)", or
#: "Intake table at the end of the section: Magnesium (mg)".
PLACED_TABLE_HEADING_RE = re.compile(
    r"^Intake\s+table(?P<end>\s+at\s+the\s+end\s+of\s+the\s+section)?:\s*(?P<rest>\S.*)$",
    re.IGNORECASE,
)
RDA_SOURCE_RE = re.compile(r"^Source:\s*(?P<note>.+)$", re.IGNORECASE | re.DOTALL)
RDA_UPPER_LIMIT_RE = re.compile(
    r"^Tolerable\s+upper\s+(?:intake\s+)?level(?:\s*\(UL\))?:\s*(?P<amount>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>mg|mcg|µg|μg|IU|g)\b\s*(?:/\s*day|per\s+day|a\s+day)?"
    r"(?:\s*\((?P<applies>.+)\))?\s*\.?$",
    re.IGNORECASE | re.DOTALL,
)
KNOWN_NUTRIENTS = [
    "vitamin b12",
    "vitamin b6",
    "vitamin a",
    "vitamin c",
    "vitamin d",
    "vitamin e",
    "vitamin k",
    "magnesium",
    "zinc",
    "iron",
    "calcium",
    "potassium",
    "selenium",
    "iodine",
    "copper",
    "folate",
    "choline",
    "omega-3",
]
#: Any of KNOWN_NUTRIENTS as a whole word, in one pattern (one search per heading).
KNOWN_NUTRIENT_RE = re.compile(
    r"\b(?:" + "|".join(map(re.escape, KNOWN_NUTRIENTS)) + r")\b", re.IGNORECASE
)
REFERENCE_RE = re.compile(
    r"^(?P<title>.+?)[\s.:,]*(?:\b(?:retrieved|available|accessed)\b[^:]{0,40}?"
    r"\b(?:from|at)\b\s*:?\s*|\s)<?(?P<url>https?://[^\s<>]+?)>?[.,]?$",
    re.IGNORECASE,
)
MD_LINK_ONLY_RE = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)\.?$")
NUMBERED_HEADING_RE = re.compile(r"^(?P<number>\d{1,2})[.)]\s+(?P<text>\S.*)$")
TAIL_REFERENCE_RE = re.compile(r"^(?:reference|ref\.?)\s*(?P<number>\d+)$|^\[(?P<n>\d+)\]$", re.I)
TAIL_FIGURE_RE = re.compile(r"^figure:?\s+[“\"]?(?P<figure>.+?)[”\"]?$", re.IGNORECASE)

_url_validator = URLValidator(schemes=["http", "https"])

# An NLM/Vancouver citation, as references/vancouver.py writes it (Citing Medicine): what follows
# its title and source, and the list of people that starts it.
NLM_ADDRESS_RE = re.compile(
    r"\bAvailable from:\s*<?(?P<url>https?://[^\s<>]+?)>?(?=[.,;]?(?:\s|$))", re.IGNORECASE
)
NLM_DOI_RE = re.compile(r"\bdoi:\s*(?P<value>10\.\d{4,9}/\S+?)(?=[.,;]?(?:\s|$))", re.IGNORECASE)
NLM_PMID_RE = re.compile(r"\b(?:PubMed )?PMID:\s*(?P<value>\d{1,9})\b")
NLM_PMCID_RE = re.compile(r"\b(?:PubMed Central )?PMCID:\s*(?P<value>PMC\d{1,9})\b", re.I)
NLM_CITED_RE = re.compile(r"\[cited (?P<year>\d{4}) (?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})\]")
NLM_MARKERS = (NLM_ADDRESS_RE, NLM_DOI_RE, NLM_PMID_RE, NLM_PMCID_RE, NLM_CITED_RE)
#: "Wessells KR, Brown KH. " / "Xu Y, Li Z, et al. ": people named as NLM names them.
NLM_PEOPLE_RE = re.compile(
    r"^(?:[^\s,.;:][^,.;:]*? [A-Z]{1,4}, )*[^\s,.;:][^,.;:]*? [A-Z]{1,4}(?:, et al)?\. "
)
NLM_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# --------------------------------------------------------------------------------------------
# Inline text


def _strip_tags(fragment):
    return re.sub(r"<[^>]+>", "", fragment)


def _collapse(text):
    return collapse(text)


# --------------------------------------------------------------------------------------------
# Blocks


_BULLET_RE = re.compile(r"^(?:[-*+•])\s+(?P<text>\S.*)$")
_ORDERED_RE = re.compile(r"^(?P<number>\d{1,3})[.)]\s+(?P<text>\S.*)$")


def is_heading_like(text):
    """A plain-text line short enough, and unpunctuated enough, to be a heading."""
    text = text.strip()
    return (
        0 < len(text) <= 120
        and len(text.split()) <= 16
        and (text[0].isupper() or text[0].isdigit())
        and text[-1] not in ".!?,;:"
        and not CITATIONS_RE.search(text)
        and "://" not in text
        and not RDA_UPPER_LIMIT_RE.match(text)
        and not RDA_SOURCE_RE.match(text)
    )


def plain_blocks(text, hints=()):
    """Plain text: one paragraph per line; headings found by their shape and what follows."""
    tokens = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = _collapse(raw)
        if not line:
            tokens.append(("blank", "", number, None))
        elif bullet := _BULLET_RE.match(line):
            tokens.append(("bullet", bullet["text"].strip(), number, None))
        elif ordered := _ORDERED_RE.match(line):
            tokens.append(("number", ordered["text"].strip(), number, int(ordered["number"])))
        else:
            tokens.append(("text", line, number, None))
    content = [token for token in tokens if token[0] != "blank"]

    def is_special(token):
        kind, line = token[0], token[1]
        return kind == "text" and (
            bool(ATTRIBUTION_RE.match(line))
            or bool(RELATED_MARKER_RE.match(line))
            or bool(_disclaimer_label(line, PLAIN, hints))
        )

    # A heading-like line is a heading when what follows is content: text that is not itself
    # heading-like, a list, a numbered sub-heading, or another heading. Decided from the end.
    is_heading = [False] * len(content)
    for position in range(len(content) - 2, -1, -1):
        kind, line = content[position][0], content[position][1]
        following = content[position + 1]
        if kind not in ("text", "number") or not is_heading_like(line) or is_special(following):
            continue
        if kind == "number":
            is_heading[position] = following[0] != "number"
        elif following[0] in ("bullet", "number"):
            is_heading[position] = True
        else:
            is_heading[position] = not is_heading_like(following[1]) or is_heading[position + 1]
    heading_lines = {content[i][2] for i, flag in enumerate(is_heading) if flag}

    blocks, index = [], 0
    while index < len(tokens):
        kind, line, number, ordinal = tokens[index]
        if kind == "blank":
            index += 1
        elif number in heading_lines:
            if kind == "number":
                blocks.append(Block("heading", level=3, text=f"{ordinal}. {line}", line=number))
            else:
                blocks.append(Block("heading", level=2, text=line, line=number))
            index += 1
        elif kind == "text" and RELATED_MARKER_RE.match(line):
            titles, index = [], index + 1
            while index < len(tokens):
                next_kind, next_line, next_number, _ = tokens[index]
                if next_kind == "blank" and not titles:
                    index += 1
                    continue
                if (
                    next_kind == "bullet"
                    or (
                        next_kind == "text"
                        and next_number not in heading_lines
                        and len(next_line) <= 200
                        and next_line[-1] not in ".:"
                    )
                ) and not is_special(tokens[index]):
                    titles.append(next_line)
                    index += 1
                    continue
                break
            blocks.append(Block("related", lines=titles, line=number))
        elif kind in ("bullet", "number"):
            block = Block("list", ordered=kind == "number", line=number)
            while (
                index < len(tokens)
                and tokens[index][0] == kind
                and tokens[index][2] not in heading_lines
            ):
                block.items.append((tokens[index][1], []))
                index += 1
            blocks.append(block)
        else:
            blocks.append(Block("paragraph", lines=[line], line=number))
            index += 1
    return blocks


# --------------------------------------------------------------------------------------------
# Recognising elements


def named_study_type(text):
    """(study type, the name as written) for the first exact name of a study type in `text`
    ("a 2019 meta-analysis"), or ("", "")."""
    match = _TYPE_NAME_RE.search(text)
    if not match:
        return "", ""
    return _TYPE_BY_NAME[" ".join(match.group().lower().split())], match.group()


def study_type_from_name(text):
    """The study type an explicit name stands for ("animal model", "randomised_trial")."""
    wanted = _collapse(text).lower().rstrip(".")
    for value, label in Study.StudyType.choices:
        if wanted in (value, str(label).lower()):
            return value
    return _TYPE_BY_NAME.get(wanted, "")


def find_figure(text):
    match = FIGURE_RE.search(text)
    return match.group() if match else ""


def _is_journal(name):
    words = name.split()
    return (
        0 < len(words) <= 12
        and len(name) <= 200
        and all(
            w[0].isupper() or w.lower() in _JOURNAL_SMALL_WORDS or w[0].isdigit() for w in words
        )
    )


def split_lead_in(text):
    """For "A study in <Journal> found that …": (journal, finding, lead words); else None."""
    match = LEAD_IN_JOURNAL_RE.match(text)
    if match and STUDY_WORD_RE.search(match["lead"] or ""):
        journal = match["journal"].strip("*").strip()
        if _is_journal(journal):
            return journal, _sentence_case(match["rest"]), match["lead"]
    match = LEAD_IN_RE.match(text)
    if (
        match
        and STUDY_WORD_RE.search(match["lead"])
        and len(match["lead"].split()) <= 8
        and " in " not in f" {match['lead']} "
    ):
        return "", _sentence_case(match["rest"]), match["lead"]
    return None


def _sentence_case(text):
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


@dataclass
class StudyLine:
    """A study as read from one line, before it is placed in a section."""

    study: DraftStudy
    warnings: list


def read_study(rest, *, display, label="", fmt=PLAIN, require_study_words=False):
    """Read "finding (Authors, Year)[.] [— tail]" into a DraftStudy, or None if it is not one.

    The tail, after a dash, may name the journal (*in italics*), the study type, "figure X",
    "reference N", or say "no journal", "type not stated", "no figure". What it names wins;
    what it leaves out is guessed from the text.
    """
    match = STUDY_LINE_RE.match(rest.strip())
    if not match:
        return None
    source_finding = match["finding"]
    plain_finding = markdown_plain(source_finding) if fmt == MARKDOWN else _collapse(source_finding)
    from_sentence = not plain_finding and display == Study.Display.IN_TEXT
    if not plain_finding and not from_sentence:
        return None
    if require_study_words and not (
        STUDY_WORD_RE.search(plain_finding) or STUDY_WORD_RE.search(label)
    ):
        return None
    study = DraftStudy(
        display=display,
        label=label,
        authors=_collapse(match["authors"]),
        year=int(match["year"]),
        finding=plain_finding,
    )
    warnings = []
    explicit = _read_tail(match["tail"], study, warnings, fmt) if match["tail"] else set()
    if from_sentence:
        study.from_sentence = ("finding", *sorted({"figure", "type"} - explicit))
        return StudyLine(study, warnings)
    lead_words = ""
    if "journal" not in explicit:
        lead_in = split_lead_in(plain_finding)
        if lead_in:
            study.journal, study.finding, lead_words = lead_in
    if match["stop"] and study.finding[-1:] not in (".", "!", "?"):
        study.finding += match["stop"]
    if "figure" not in explicit:
        study.effect_figure = find_figure(study.finding)
    if "type" not in explicit:
        study.type_as_written = _collapse(lead_words)
        study.study_type = named_study_type(lead_words)[0]
    return StudyLine(study, warnings)


def _read_tail(tail, study, warnings, fmt):
    explicit = set()
    for raw in re.split(r"\s*;\s*", tail.strip().rstrip(".")):
        item = raw.strip()
        if not item:
            continue
        plain = markdown_plain(item) if fmt == MARKDOWN else item
        lowered = plain.lower()
        if re.fullmatch(r"[*_].+[*_]", item):
            study.journal, _ = plain, explicit.add("journal")
        elif lowered == "no journal":
            study.journal, _ = "", explicit.add("journal")
        elif lowered == "no figure":
            study.effect_figure, _ = "", explicit.add("figure")
        elif lowered == "type not stated":
            study.study_type, study.type_as_written, _ = "", "", explicit.add("type")
        elif figure := TAIL_FIGURE_RE.match(plain):
            study.effect_figure, _ = figure["figure"], explicit.add("figure")
        elif reference := TAIL_REFERENCE_RE.match(plain):
            study.reference_number = int(reference["number"] or reference["n"])
        elif study_type := study_type_from_name(plain):
            study.study_type, study.type_as_written, _ = study_type, plain, explicit.add("type")
        elif "journal" not in explicit and _is_journal(plain):
            study.journal, _ = plain, explicit.add("journal")
        else:
            warnings.append(
                f"{_study_name(study)}: “{plain}” after the citation was not understood."
            )
    return explicit


def _study_name(study):
    if study.display == Study.Display.IN_TEXT:
        return f"The study cited as ({study.citation_text})"
    return f"{study.label or 'Study'} ({study.citation_text})"


def split_sentences(text):
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", text.strip()) if s]


def in_text_studies(shape_text):
    """Studies for every "(Authors, Year)" in running text, each with its sentence as finding.
    `shape_text` is plain text in which escaped characters are still placeholders."""
    studies = []
    for sentence in split_sentences(shape_text):
        for group in CITATIONS_RE.finditer(sentence):
            finding = _collapse(CITATIONS_RE.sub("", sentence))
            finding = unhide(re.sub(r"\s+([.,;:!?])", r"\1", finding))
            for citation in ONE_CITATION_RE.finditer(group["body"]):
                studies.append(
                    DraftStudy(
                        display=Study.Display.IN_TEXT,
                        authors=unhide(_collapse(citation["authors"])),
                        year=int(citation["year"]),
                        finding=finding,
                        effect_figure=find_figure(finding),
                        **_stated_type(finding),
                        from_citation=True,
                    )
                )
    return studies


def _stated_type(sentence):
    """The type a sentence's own words give the study it cites ("A 2019 meta-analysis found
    that …"): read from the words before "found", "showed" …; nothing when there are none."""
    lead_in = split_lead_in(sentence)
    if not lead_in:
        return {}
    words = _collapse(lead_in[2])
    return {"type_as_written": words, "study_type": named_study_type(words)[0]}


def read_rda_row(text):
    match = RDA_ROW_RE.match(_collapse(text))
    if not match:
        return None, None
    age_to = None if (match["plus"] or match["older"] or match["to"] is None) else int(match["to"])
    if match["to"] is None and not (match["plus"] or match["older"]):
        age_to = int(match["from"])
    age_unit = (
        RDARow.AgeUnit.MONTHS
        if (match["age_unit"] or "").lower().startswith("mo")
        else RDARow.AgeUnit.YEARS
    )
    row = DraftRDARow(
        life_stage=_STAGES[match["stage"].lower()],
        age_from=int(match["from"]),
        age_to=age_to,
        age_unit=age_unit,
        amount=Decimal(match["amount"]),
        intake_type=RDARow.IntakeType.ADEQUATE_INTAKE if match["ai"] else RDARow.IntakeType.RDA,
    )
    return row, _UNITS[match["unit"].lower()]


def read_reference(source, fmt):
    """A DraftReference for "Title. Retrieved from: URL", "[Title](URL)", "Title URL" or an
    NLM citation (`read_nlm_reference`); else None."""
    if fmt == MARKDOWN and (link := MD_LINK_ONLY_RE.match(source.strip())):
        title, url = markdown_plain(link["title"]), link["url"]
    else:
        text = markdown_plain(source) if fmt == MARKDOWN else _collapse(source)
        if any(marker.search(text) for marker in NLM_MARKERS):
            return read_nlm_reference(text)
        match = REFERENCE_RE.match(text)
        if not match:
            return None
        title, url = match["title"].strip().rstrip(".").strip(), match["url"]
    if not _is_web_address(url):
        return None
    return DraftReference(title=(title or url)[:500], url=url)


def _is_web_address(url):
    try:
        _url_validator(url)
    except ValidationError:
        return False
    return True


def _cited_day(text):
    """The day "[cited 2025 Jan 8]" names, or None."""
    cited = NLM_CITED_RE.search(text)
    if not cited or cited["month"] not in NLM_MONTHS:
        return None
    try:
        month = NLM_MONTHS.index(cited["month"]) + 1
        return datetime.date(int(cited["year"]), month, int(cited["day"]))
    except ValueError:
        return None


def read_nlm_reference(text):
    """A DraftReference for one NLM/Vancouver citation: its address ("Available from: URL"),
    else the record its first identifier names (doi.org, PubMed, PMC); its DOI, PMID and PMCID;
    the day it was read; and a title cut from the citation: the first sentence after the people
    who wrote it, up to " [Internet]". None without an address or an identifier."""
    found = {
        field: match["value"]
        for field, pattern in (("doi", NLM_DOI_RE), ("pmid", NLM_PMID_RE), ("pmcid", NLM_PMCID_RE))
        if (match := pattern.search(text))
    }
    address = NLM_ADDRESS_RE.search(text)
    url = address["url"] if address else ""
    if not url:
        url = next(
            (link.format(found[field]) for field, _label, link in IDENTIFIERS if field in found), ""
        )
    if not url or not _is_web_address(url):
        return None
    ends = [match.start() for pattern in NLM_MARKERS if (match := pattern.search(text))]
    head = text[: min(ends)].strip()
    head = head[len(people[0]) :] if (people := NLM_PEOPLE_RE.match(head)) else head
    title = re.split(r"(?<=[?!])\s|\.\s|\s\[Internet\]", head, maxsplit=1)[0].strip()
    return DraftReference(
        title=(title.rstrip(".").strip() or url)[:500],
        url=url,
        retrieved_on=_cited_day(text),
        from_citation=True,
        **{field: value.upper() if field == "pmcid" else value for field, value in found.items()},
    )


_STOPWORDS = {
    "a",
    "about",
    "an",
    "and",
    "any",
    "are",
    "as",
    "be",
    "by",
    "for",
    "in",
    "is",
    "it",
    "its",
    "not",
    "of",
    "on",
    "or",
    "other",
    "regarding",
    "such",
    "the",
    "this",
    "to",
    "with",
}


def _words(text):
    return {
        word.removesuffix("s")
        for word in re.findall(r"[a-z0-9][a-z0-9\-]*", text.lower())
        if word not in _STOPWORDS and len(word) > 1
    }


def match_disclaimer(label, body, hints):
    """The name of the disclaimer a closing note stands for, and how it was matched; else None.

    An exact title or name wins; then the standard disclaimer sharing the most words with the
    label (at least two, or one for a one- or two-word label); then the one whose wording the
    note's text shares most."""
    wanted = _collapse(label).lower()
    for hint in hints:
        if wanted in (hint.title.lower(), hint.name.lower()):
            return hint.name, "title"
    defaults = [hint for hint in hints if hint.is_default]
    label_words = _words(label)
    scored = sorted(
        ((len(label_words & _words(f"{h.title} {h.name}")), h.name) for h in defaults),
        reverse=True,
    )
    if scored and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        needed = 1 if len(label_words) <= 2 else 2
        if scored[0][0] >= needed:
            return scored[0][1], "title words"
    body_words = _words(body)
    shares = []
    for hint in defaults:
        hint_words = _words(strip_html(hint.body))
        if hint_words:
            shares.append((len(body_words & hint_words) / len(hint_words), hint.name))
    shares.sort(reverse=True)
    if shares and shares[0][0] >= 0.4 and (len(shares) == 1 or shares[0][0] > shares[1][0] + 0.1):
        return shares[0][1], "wording"
    return None


def strip_html(fragment):
    return _collapse(html.unescape(_strip_tags(fragment or "")))


def label_of(source, fmt):
    """("Label", "rest") for a paragraph or item that starts with a label; else None."""
    source = source.strip()
    if fmt == MARKDOWN:
        match = MD_LABEL_RE.match(source)
        if match:
            return markdown_plain(match["label"]), match["rest"]
    match = LABEL_RE.match(source)
    if match and len(match["label"].split()) <= 12 and "://" not in match["label"]:
        label = markdown_plain(match["label"]) if fmt == MARKDOWN else match["label"]
        return label, match["rest"]
    return None


def _disclaimer_label(source, fmt, hints):
    labelled = label_of(source, fmt)
    if not labelled or not hints:
        return None
    rest = markdown_plain(labelled[1]) if fmt == MARKDOWN else labelled[1]
    return match_disclaimer(labelled[0], rest, hints)


_DISCLAIMER_WORDS_RE = re.compile(
    r"disclaimer|medical advice|food and drug administration|\bFDA\b|not intended to diagnose|"
    r"important note",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------
# The parser


def parse(text, *, filename="", title="", fmt=None, disclaimers=()):
    """Read `text` into an ArticleDraft. `title`, when given, is the editor's and wins.
    `disclaimers` are DisclaimerHints for the existing disclaimers closing notes may match.
    Raise ArticleImportError when there is no title or no opening paragraph."""
    text = check_text(text).replace("\r\n", "\n").replace("\r", "\n")
    fmt = fmt or detect_format(text, filename)
    hints = tuple(disclaimers)
    try:
        check_shape(text, fmt)
        blocks = markdown_blocks(text) if fmt == MARKDOWN else plain_blocks(text, hints)
    except MarkdownNestingError as error:
        raise ArticleImportError(str(error)) from None
    return _Parser(blocks, fmt, hints).run(title=(title or "").strip())


class _Parser:
    def __init__(self, blocks, fmt, hints):
        self.blocks = blocks
        self.fmt = fmt
        self.hints = hints
        self.warnings = []
        self.warned = set()
        self.sections = []
        self.section_index = {}  # id(section) -> its index in self.sections
        self.cited = {}  # id(section) -> (authors, year) of its studies, for cite_in_text
        self.last_top_section = None  # the last section of level 2, parent of numbered ones
        self.nutrients_in_headings = []  # KNOWN_NUTRIENTS named by a heading so far
        self.tables = []
        self.references = []  # DraftReference, de-duplicated
        #: duplicate key (normalised URL, PMID …) -> (position in self.references, item number)
        self.reference_index = {}
        self.item_to_reference = {}  # item number as written -> 1-based deduplicated number
        self.reference_items = 0
        self.related = []
        self.related_seen = set()
        self.disclaimers = []
        self.disclaimer_wordings = {}
        self.attribution = ""
        self.fallback_sections = {}  # reserved heading -> the section keeping what was not read

    # Text helpers ---------------------------------------------------------------------------

    def plain(self, source):
        return markdown_plain(source) if self.fmt == MARKDOWN else _collapse(source)

    def shape(self, source):
        """The text patterns are matched against (escaped characters hidden)."""
        return markdown_shape(source) if self.fmt == MARKDOWN else _collapse(source)

    def inline(self, source):
        if self.fmt == MARKDOWN:
            return markdown_inline(source)
        return html.escape(_collapse(source), quote=False)

    def item_html(self, source):
        """A list item; in plain text a short "Label:" lead-in is shown in bold, as on the site."""
        if self.fmt == PLAIN:
            labelled = label_of(source, PLAIN)
            if labelled and len(labelled[0].split()) <= 6:
                return (
                    f"<strong>{html.escape(labelled[0], quote=False)}:</strong> "
                    f"{html.escape(_collapse(labelled[1]), quote=False)}"
                )
        return self.inline(source)

    def warn(self, message):
        if message not in self.warned:
            self.warned.add(message)
            self.warnings.append(message)

    # The whole text -------------------------------------------------------------------------

    def run(self, *, title):
        blocks = self.take_closing_notes(self.blocks)
        blocks = self.take_attribution(blocks)
        detected, blocks = self.take_title(blocks)
        chosen = title or detected
        if not chosen:
            raise ArticleImportError(
                "No title found: start the text with “# Title”, end it with “<Title> is an "
                "original (HSLHealing) article.”, or type the title."
            )
        if title and detected and title != detected:
            self.warn(f"The title you typed replaces “{detected}” found in the text.")
        blocks = self.mark_related(blocks)
        standfirst, blocks = self.take_standfirst(blocks)
        self.walk(blocks)
        self.link_study_references()
        self.drop_declared_citations()
        self.nest_headings()
        self.check_empty_sections()
        return ArticleDraft(
            title=chosen,
            standfirst=standfirst,
            format=self.fmt,
            attribution=self.attribution,
            sections=self.sections,
            rda_tables=self.tables,
            references=self.references,
            related_titles=self.related,
            disclaimers=self.disclaimers,
            disclaimer_wordings=self.disclaimer_wordings,
            warnings=self.warnings,
        )

    def take_closing_notes(self, blocks):
        """Closing paragraphs that stand for existing disclaimers ("Important Note: …")."""
        end, found, taken = len(blocks), [], set()
        while end > 0:
            block = blocks[end - 1]
            if block.kind != "paragraph":
                break
            source = block.source
            if self.is_attribution(source):
                end -= 1
                continue
            labelled = label_of(source, self.fmt)
            matched = labelled and match_disclaimer(
                labelled[0], self.plain(labelled[1]), self.hints
            )
            if not matched:
                if _DISCLAIMER_WORDS_RE.search(self.plain(source)):
                    self.warn(
                        f"The closing note “{_excerpt(self.plain(source))}” looks like a "
                        "disclaimer but matches none of the existing ones; it is kept as text."
                    )
                break
            name, how = matched
            found.append((name, labelled[0], how, labelled[1]))
            taken.add(end - 1)
            end -= 1
        blocks = [block for index, block in enumerate(blocks) if index not in taken]
        for name, label, how, wording in reversed(found):
            if name in self.disclaimers:
                self.warn(f"The disclaimer “{name}” appears twice; it is attached once.")
                continue
            self.disclaimers.append(name)
            self.disclaimer_wordings[name] = (label, f"<p>{self.inline(wording)}</p>")
            if how != "title":
                self.warn(f"The closing note “{label}” was matched to the disclaimer “{name}”.")
        return blocks

    def is_attribution(self, source):
        text = self.shape(source)
        return bool(ATTRIBUTION_RE.match(text) or EXPLICIT_ATTRIBUTION_RE.match(text))

    def take_attribution(self, blocks):
        kept = []
        for block in blocks:
            if block.kind == "paragraph" and self.is_attribution(block.source):
                text = self.plain(block.source)
                explicit = EXPLICIT_ATTRIBUTION_RE.match(text)
                text = explicit["text"] if explicit else text
                if self.attribution and text != self.attribution:
                    self.warn(f"A second attribution line is kept as text: “{text}”.")
                    kept.append(block)
                    continue
                self.attribution = text[:300]
                continue
            kept.append(block)
        return kept

    def take_title(self, blocks):
        """The title the text gives, and the blocks without it."""
        from_attribution = ""
        match = ATTRIBUTION_RE.match(self.attribution)
        if match:
            from_attribution = match["title"].strip()
        first = blocks[0] if blocks else None
        if first and first.kind == "heading":
            heading = self.plain(first.text)
            if self.fmt == MARKDOWN and first.level == 1:
                return heading, blocks[1:]
            if (
                self.fmt == PLAIN
                and first.level == 2
                and (not from_attribution or heading.lower() == from_attribution.lower())
            ):
                return heading, blocks[1:]
        return from_attribution, blocks

    def mark_related(self, blocks):
        """A Markdown paragraph "You May Also Like:" holds its titles on the lines below it, or
        in the list right after it."""
        marked, index = [], 0
        while index < len(blocks):
            block = blocks[index]
            index += 1
            if block.kind != "paragraph" or not RELATED_MARKER_RE.match(self.shape(block.lines[0])):
                marked.append(block)
                continue
            titles = block.lines[1:]
            if not titles and index < len(blocks) and blocks[index].kind == "list":
                titles = [source for source, _ in blocks[index].items]
                index += 1
            marked.append(Block("related", lines=titles, line=block.line))
        return marked

    def take_standfirst(self, blocks):
        for index, block in enumerate(blocks):
            if block.kind == "heading":
                break
            if block.kind == "related":
                continue
            if block.kind == "paragraph":
                return self.plain(block.source), blocks[:index] + blocks[index + 1 :]
            break
        raise ArticleImportError(
            "No standfirst found: put one or two sentences, as a paragraph of their own, "
            "before the first heading."
        )

    # Sections -------------------------------------------------------------------------------

    def walk(self, blocks):
        mode, section, table = "body", None, None
        previous = None
        for block in blocks:
            if block.kind == "heading":
                reserved = self.reserved(block.text)
                if reserved:
                    mode, section, table = reserved, None, None
                    continue
                if mode == "intakes" and block.level >= 3:
                    table = self.intake_table_heading(block)
                    continue
                if (
                    mode == "body"
                    and section is not None
                    and block.level >= 4
                    and PLACED_TABLE_HEADING_RE.match(self.plain(block.text))
                ):
                    previous = self.placed_table_heading(block, section)
                    continue
                section = self.start_section(block)
                mode, table, previous = "body", None, None
                continue
            if block.kind == "related":
                self.add_related(block.lines, block.line)
                continue
            if mode == "references":
                self.reference_block(block, reserved_heading="References")
            elif mode == "related":
                self.related_block(block)
            elif mode == "intakes":
                table = self.intakes_block(block, table)
            else:
                if section is None:
                    section = self.new_section("", Section.Level.SECTION)
                previous = self.body_block(section, block, previous)

    def reserved(self, heading):
        text = self.shape(heading)
        if REFERENCES_HEADING_RE.match(text):
            return "references"
        if RELATED_MARKER_RE.match(text):
            return "related"
        if INTAKES_HEADING_RE.match(text):
            return "intakes"
        return None

    def new_section(self, heading, level):
        section = DraftSection(heading=heading, level=level)
        self.section_index[id(section)] = len(self.sections)
        self.sections.append(section)
        if level == Section.Level.SECTION:
            self.last_top_section = section
        for match in KNOWN_NUTRIENT_RE.finditer(heading):
            known = match.group().lower()
            if known not in self.nutrients_in_headings:
                self.nutrients_in_headings.append(known)
        return section

    def start_section(self, block):
        level = block.level
        if self.fmt == MARKDOWN:
            if level == 1:
                self.warn(f"“# {block.text}” is a second title; it is read as a section heading.")
            elif level > 3:
                self.warn(f"The level {level} heading “{block.text}” is read as a sub-section.")
            level = min(max(level, 2), 3)
        numbered = NUMBERED_HEADING_RE.match(block.text) if level == 3 else None
        heading = self.plain(numbered["text"] if numbered else block.text)
        section = self.new_section(heading[:200], level)
        if len(heading) > 200:
            self.warn(f"The heading “{_excerpt(heading)}” was shortened to 200 characters.")
        if numbered and self.last_top_section is not None:
            self.last_top_section.number_subsections = True
        return section

    def nest_headings(self):
        """Plain text: the headings after a section with no text of its own, or whose text ends
        in a lead-in (":"), are its sub-sections, up to the next heading that cannot be one (see
        `ends_subsections`). Markdown states its levels and is left as written."""
        if self.fmt != PLAIN:
            return
        sections, index = self.sections, 0
        while index < len(sections):
            parent = sections[index]
            index += 1
            reason = self.parent_reason(parent)
            if not reason:
                continue
            end = index
            while end < len(sections) and not self.ends_subsections(end):
                end += 1
            children = sections[index:end]
            if not children:
                continue
            for child in children:
                child.level = Section.Level.SUBSECTION
            names = _and_list([f"“{child.heading}”" for child in children])
            after = (
                f"“{sections[end].heading}” starts a section again"
                if end < len(sections)
                else "they run to the end of the article"
            )
            self.warn(
                f"“{parent.heading}” {reason}, so the headings after it are read as its "
                f"sub-sections: {names}; {after}. Change their levels after saving if that is "
                "not what the text means."
            )
            index = end

    def is_fallback(self, section):
        return any(section is kept for kept in self.fallback_sections.values())

    def parent_reason(self, section):
        """Why the headings after `section` may be its sub-sections, or ""."""
        if section.level != Section.Level.SECTION or not section.heading:
            return ""
        if self.is_fallback(section):
            return ""
        if not section.blocks and not section.studies:
            return "has no text of its own"
        last = section.blocks[-1] if section.blocks else ""
        if last.startswith("<p>") and strip_html(last).endswith(":"):
            return f"ends with a lead-in (“{_excerpt(strip_html(last), 50)}”)"
        return ""

    def ends_subsections(self, index):
        """True when sections[index] cannot be a sub-section of the heading before the run: it
        is numbered or has numbered sub-sections, has no text of its own, is one of the
        publisher's closing sections, or holds what a reserved heading did not recognise."""
        section = self.sections[index]
        following = self.sections[index + 1] if index + 1 < len(self.sections) else None
        return (
            section.level != Section.Level.SECTION
            or not section.heading
            or (following is not None and following.level == Section.Level.SUBSECTION)
            or not (section.blocks or section.studies)
            or bool(CLOSING_HEADING_RE.match(section.heading))
            or self.is_fallback(section)
        )

    def check_empty_sections(self):
        if self.fmt != PLAIN:
            return
        for section, following in zip(self.sections, self.sections[1:], strict=False):
            if (
                section.heading
                and section.level == Section.Level.SECTION
                and not section.blocks
                and not section.studies
                and following.level == Section.Level.SECTION
            ):
                self.warn(
                    f"“{section.heading}” has no text of its own. If the headings after it "
                    "belong under it, make them sub-sections after saving."
                )

    def body_block(self, section, block, previous):
        """Add one block to a section. Returns the block's meaning for the next one."""
        if block.kind == "quote":
            self.quote_block(section, block)
            return None
        if block.kind == "list":
            return self.list_block(section, block, previous)
        source = block.source
        if isinstance(previous, DraftRDATable) and self.rda_detail(previous, source):
            return previous
        study_line = self.explicit_in_text(source)
        if study_line:
            self.add_study(section, study_line)
            return None
        section.blocks.append(f"<p>{self.inline(source)}</p>")
        self.cite_in_text(section, self.shape(source))
        return block

    def explicit_in_text(self, source):
        pattern = MD_IN_TEXT_RE if self.fmt == MARKDOWN else IN_TEXT_LINE_RE
        match = pattern.match(source.strip())
        if not match:
            return None
        return read_study(match["rest"], display=Study.Display.IN_TEXT, fmt=self.fmt)

    def quote_block(self, section, block):
        lines = [line for line in block.lines if line.strip()]
        studies = [self.quote_study(line) for line in lines]
        if lines and all(studies):
            for study_line in studies:
                self.add_study(section, study_line)
            return
        joined = self.quote_study(" ".join(lines))
        if joined:
            self.add_study(section, joined)
            return
        section.blocks.append(f"<blockquote><p>{self.inline(block.source)}</p></blockquote>")
        self.cite_in_text(section, self.shape(block.source))

    def quote_study(self, source):
        in_text = self.explicit_in_text(source)
        if in_text:
            return in_text
        labelled = label_of(source, self.fmt)
        if labelled and len(labelled[0]) <= 60:
            found = read_study(
                labelled[1], display=Study.Display.CALLOUT, label=labelled[0], fmt=self.fmt
            )
            if found:
                return found
        return read_study(source, display=Study.Display.CALLOUT, fmt=self.fmt)

    def list_block(self, section, block, previous):
        table = self.rda_list(block, previous, section)
        if table:
            return table
        kept = []
        for source, nested in block.items:
            study_line = self.item_study(source) if not nested else None
            if study_line:
                self.add_study(section, study_line)
                continue
            kept.append(self.list_item_html(source, nested))
            self.cite_in_text(section, self.shape(source))
            for nested_block in nested:
                for nested_source, _ in nested_block.items:
                    self.cite_in_text(section, self.shape(nested_source))
        if kept:
            tag = "ol" if block.ordered else "ul"
            section.blocks.append(f"<{tag}>{''.join(kept)}</{tag}>")
        return block

    def list_item_html(self, source, nested):
        inner = "".join(
            f"<{'ol' if b.ordered else 'ul'}>"
            + "".join(self.list_item_html(s, n) for s, n in b.items)
            + f"</{'ol' if b.ordered else 'ul'}>"
            for b in nested
        )
        return f"<li>{self.item_html(source)}{inner}</li>"

    def item_study(self, source):
        """A list item is a call-out when a label is followed by a cited study."""
        in_text = self.explicit_in_text(source)
        if in_text:
            return in_text
        labelled = label_of(source, self.fmt)
        if not labelled or len(labelled[0]) > 60 or len(labelled[0].split()) > 6:
            return None
        return read_study(
            labelled[1],
            display=Study.Display.CALLOUT,
            label=labelled[0],
            fmt=self.fmt,
            require_study_words=True,
        )

    def add_study(self, section, study_line):
        for message in study_line.warnings:
            self.warn(message)
        section.studies.append(study_line.study)

    def cite_in_text(self, section, shape_text):
        counted, known = self.cited.get(id(section), (0, set()))
        known.update((s.authors, s.year) for s in section.studies[counted:])
        for study in in_text_studies(shape_text):
            if (study.authors, study.year) not in known:
                known.add((study.authors, study.year))
                section.studies.append(study)
        self.cited[id(section)] = (len(section.studies), known)

    def link_study_references(self):
        """ "reference N" in a study line counts the reference list's items as written."""
        for study in (s for section in self.sections for s in section.studies):
            if study.reference_number is None:
                continue
            number = self.item_to_reference.get(study.reference_number)
            if number is None:
                self.warn(
                    f"{_study_name(study)} points at reference {study.reference_number}, which "
                    "the reference list does not have; link it after saving."
                )
            study.reference_number = number

    def drop_declared_citations(self):
        """A citation in the running text needs no study of its own when the section has a
        line for that study (as exported files do). A line with no finding of its own takes
        the sentence that cites it (its figure and type too, unless the line states them)."""
        for section in self.sections:
            cited = {}
            for study in section.studies:
                if study.from_citation:
                    cited.setdefault((study.authors, study.year), study)
            for study in [s for s in section.studies if s.from_sentence]:
                sentence = cited.get((study.authors, study.year))
                if sentence is None:
                    self.warn(
                        f"{_study_name(study)} has no finding, and no sentence of “"
                        f"{section.heading or 'the introduction'}” cites it; it is left out."
                    )
                    section.studies.remove(study)
                    continue
                study.finding = sentence.finding
                if "figure" in study.from_sentence:
                    study.effect_figure = sentence.effect_figure
                if "type" in study.from_sentence:
                    study.study_type = sentence.study_type
                    study.type_as_written = sentence.type_as_written
            declared = {(s.authors, s.year) for s in section.studies if not s.from_citation}
            section.studies = [
                s
                for s in section.studies
                if not (s.from_citation and (s.authors, s.year) in declared)
            ]

    # Intake tables --------------------------------------------------------------------------

    def rda_list(self, block, previous, section):
        if not block.items or any(nested for _, nested in block.items):
            return None
        if isinstance(previous, DraftRDATable) and not previous.rows:
            return previous if self.fill_rows(previous, block) else None
        rows, units, unread = [], set(), []
        for source, _ in block.items:
            row, unit = read_rda_row(self.shape(source))
            if row is None:
                unread.append(self.plain(source))
                continue
            rows.append(row)
            units.add(unit)
        if unread:
            if rows:
                self.warn(
                    "An intake list is kept as a plain list: "
                    + _and_list([f"“{_excerpt(item)}”" for item in unread])
                    + " could not be read as a row. Write each row as “Women aged 19-50: 18 "
                    "mg/day” or “Pregnancy (19–50 years): 27 mg/day”, with its ages."
                )
            return None
        if len(units) > 1:
            self.warn(
                "An intake list mixes units ("
                + ", ".join(sorted(units))
                + "); it is kept as a plain list. Give every row the same unit."
            )
            return None
        nutrient = self.guess_nutrient(previous, section)
        table = DraftRDATable(nutrient=nutrient, unit=units.pop(), rows=rows)
        self.place_table(table, section)
        self.tables.append(table)
        return table

    def place_table(self, table, section, *, follows_lead_in=True):
        """Record where `table` stands: in `section`, after its paragraphs so far."""
        table.section_index = self.section_index.get(id(section))
        if table.section_index is None:
            return
        table.after_paragraph = sum(block.startswith("<p>") for block in section.blocks)
        if follows_lead_in and section.blocks and not section.blocks[-1].startswith("<p>"):
            self.warn(
                f"The intake table “{table.nutrient}” follows a list or quote in "
                f"“{section.heading or 'the introduction'}”; it is shown after the paragraph "
                "before that."
            )

    def placed_table_heading(self, block, section):
        """ "#### Intake table: Magnesium (mg)" (as exported): a table in its place in the
        section, its rows in the list below; "… at the end of the section: …" puts it last."""
        match = PLACED_TABLE_HEADING_RE.match(self.plain(block.text))
        table = self.named_table(match["rest"])
        self.place_table(table, section, follows_lead_in=False)
        if match["end"]:
            table.after_paragraph = None
        return table

    def fill_rows(self, table, block):
        """The rows of a table named by a heading, from the list under it; False if the list
        is not one of intake rows."""
        rows = [read_rda_row(self.shape(source)) for source, _ in block.items]
        if not rows or not all(row for row, _ in rows):
            return False
        table.rows = [row for row, _ in rows]
        units = {unit for _, unit in rows}
        if units != {table.unit}:
            self.warn(
                f"The rows of “{table.nutrient}” are in {', '.join(sorted(units))} but "
                f"the heading says {table.unit}; check the amounts."
            )
        return True

    def guess_nutrient(self, previous, section):
        lead_in = previous.source if isinstance(previous, Block) else ""
        match = RDA_LEAD_IN_RE.search(self.plain(lead_in)) if lead_in else None
        if match:
            nutrient = _sentence_case(match["nutrient"].strip())
            self.warn(
                f"The intake table's nutrient, “{nutrient}”, was taken from the sentence "
                f"before the list (“{_excerpt(self.plain(lead_in))}”); that sentence stays in "
                "the text."
            )
            return nutrient[:100]
        context = f"{section.heading} {self.plain(lead_in)}"
        in_context = {match.group().lower() for match in KNOWN_NUTRIENT_RE.finditer(context)}
        for known in KNOWN_NUTRIENTS:
            if known in self.nutrients_in_headings or known in in_context:
                nutrient = known.title()
                self.warn(
                    f"The intake table's nutrient was guessed as “{nutrient}” from the headings."
                )
                return nutrient
        self.warn("The intake table names no nutrient; it is called “Unknown”: rename it.")
        return "Unknown"

    def rda_detail(self, table, source):
        text = self.shape(source)
        if match := RDA_SOURCE_RE.match(text):
            table.source_note = unhide(match["note"].strip())[:300]
            return True
        if match := RDA_UPPER_LIMIT_RE.match(text):
            try:
                table.upper_limit = Decimal(match["amount"])
            except InvalidOperation:  # pragma: no cover - the pattern only allows digits
                return False
            table.upper_limit_applies_to = unhide((match["applies"] or "").strip())[:200]
            return True
        return False

    def intake_table_heading(self, block):
        return self.named_table(self.plain(block.text))

    def named_table(self, text):
        """A table named by a heading: "Magnesium (mg)"."""
        match = RDA_HEADING_RE.match(text)
        table = DraftRDATable(nutrient=match["nutrient"].strip()[:100])
        if match["unit"]:
            table.unit = _UNITS[match["unit"].lower()]
        self.tables.append(table)
        return table

    def intakes_block(self, block, table):
        if (
            block.kind == "list"
            and table is not None
            and not table.rows
            and self.fill_rows(table, block)
        ):
            return table
        if block.kind == "list" and table is None:
            found = self.rda_list(block, None, DraftSection(heading=""))
            if found:
                return found
        if block.kind == "paragraph" and table is not None and self.rda_detail(table, block.source):
            return table
        self.unrecognised(block, "Recommended intakes")
        return table

    # References, related articles -----------------------------------------------------------

    def reference_block(self, block, *, reserved_heading):
        if block.kind != "list":
            self.unrecognised(block, reserved_heading)
            return
        leftovers = []
        for source, _ in block.items:
            self.reference_items += 1
            reference = read_reference(source, self.fmt)
            if not reference:
                leftovers.append(source)
                continue
            title = reference.title
            keys = reference.duplicate_keys
            known = next(
                (self.reference_index[key] for key in keys if key in self.reference_index), None
            )
            if known is not None:
                position, item = known
                self.warn(
                    f"“{title}” is listed twice in the references (items {item} and "
                    f"{self.reference_items}); it is cited once, at its first place."
                )
                self.item_to_reference[self.reference_items] = position + 1
                continue
            for key in keys:
                self.reference_index[key] = (len(self.references), self.reference_items)
            self.references.append(reference)
            self.item_to_reference[self.reference_items] = len(self.references)
        if leftovers:
            self.unrecognised(
                Block("list", items=[(s, []) for s in leftovers], line=block.line),
                reserved_heading,
            )

    def related_block(self, block):
        if block.kind == "list":
            self.add_related([source for source, _ in block.items], block.line)
        elif block.kind == "paragraph" and all(
            len(line) <= 200 and line.strip()[-1:] not in ".:" for line in block.lines
        ):
            self.add_related(block.lines, block.line)
        else:
            self.unrecognised(block, "You May Also Like")

    def add_related(self, sources, line):
        for source in sources:
            link = MD_LINK_ONLY_RE.match(source.strip()) if self.fmt == MARKDOWN else None
            title = markdown_plain(link["title"]) if link else self.plain(source)
            if title and title.lower() not in self.related_seen:
                self.related_seen.add(title.lower())
                self.related.append(title)
        if not sources:
            self.warn(f"“You May Also Like” (line {line}) is followed by no titles.")

    def unrecognised(self, block, heading):
        """Keep a block nobody understood as text, in a section named after where it was."""
        section = self.fallback_sections.get(heading)
        if section is None or section is not self.sections[-1]:
            section = self.new_section(heading, Section.Level.SECTION)
            self.fallback_sections[heading] = section
        if block.kind == "list":
            tag = "ol" if block.ordered else "ul"
            items = "".join(f"<li>{self.inline(s)}</li>" for s, _ in block.items)
            section.blocks.append(f"<{tag}>{items}</{tag}>")
            text = "; ".join(self.plain(s) for s, _ in block.items)
        else:
            section.blocks.append(f"<p>{self.inline(block.source)}</p>")
            text = self.plain(block.source)
        self.warn(
            f"Under “{heading}”, “{_excerpt(text)}” was not recognised; it is kept as the text "
            f"of a section “{heading}”."
        )


def _and_list(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _excerpt(text, length=70):
    text = _collapse(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --------------------------------------------------------------------------------------------
# Reading the body HTML back (used by the exporter and the tests)


class BodyReader(HTMLParser):
    """A small tree of the sanitised body HTML: (tag, attrs, children) tuples and strings."""

    VOID = {"br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ("root", {}, [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = (tag, dict(attrs), [])
        self.stack[-1][2].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1][2].append(data)

    @classmethod
    def tree(cls, fragment):
        reader = cls()
        reader.feed(fragment or "")
        reader.close()
        return reader.root[2]
