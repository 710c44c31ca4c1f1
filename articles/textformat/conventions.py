"""
The publisher's conventions, recognised in a paragraph's source before any HTML exists: study
call-outs and in-text citations (authors, year, journal, finding, figure, the study type the
text names), intake rows and tables, reference lines (plain, Markdown or NLM/Vancouver),
closing disclaimer notes, and the plain-text reader that splits a text into blocks. The
patterns come first, then the functions that use them; `importer.py` walks an article with them.
It runs past 500 lines because the publisher's conventions are many and each pattern sits next
to the few others it is built from; every function here reads one paragraph and touches nothing
else.
"""

import datetime
import html
import re
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from references.models import IDENTIFIERS

from ..models import RDARow, Study
from .blocks import (
    Block,
    collapse,
    markdown_plain,
    unhide,
)
from .draft import MARKDOWN, PLAIN, DraftRDARow, DraftReference, DraftStudy

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
UNITS = {"mg": "mg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "mcg", "iu": "IU", "g": "g"}
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
        line = collapse(raw)
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
    wanted = collapse(text).lower().rstrip(".")
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
            return journal, sentence_case(match["rest"]), match["lead"]
    match = LEAD_IN_RE.match(text)
    if (
        match
        and STUDY_WORD_RE.search(match["lead"])
        and len(match["lead"].split()) <= 8
        and " in " not in f" {match['lead']} "
    ):
        return "", sentence_case(match["rest"]), match["lead"]
    return None


def sentence_case(text):
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
    plain_finding = markdown_plain(source_finding) if fmt == MARKDOWN else collapse(source_finding)
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
        authors=collapse(match["authors"]),
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
        study.type_as_written = collapse(lead_words)
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
                f"{study_name(study)}: “{plain}” after the citation was not understood."
            )
    return explicit


def study_name(study):
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
            finding = collapse(CITATIONS_RE.sub("", sentence))
            finding = unhide(re.sub(r"\s+([.,;:!?])", r"\1", finding))
            for citation in ONE_CITATION_RE.finditer(group["body"]):
                studies.append(
                    DraftStudy(
                        display=Study.Display.IN_TEXT,
                        authors=unhide(collapse(citation["authors"])),
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
    words = collapse(lead_in[2])
    return {"type_as_written": words, "study_type": named_study_type(words)[0]}


def read_rda_row(text):
    match = RDA_ROW_RE.match(collapse(text))
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
    return row, UNITS[match["unit"].lower()]


def read_reference(source, fmt):
    """A DraftReference for "Title. Retrieved from: URL", "[Title](URL)", "Title URL" or an
    NLM citation (`read_nlm_reference`); else None."""
    if fmt == MARKDOWN and (link := MD_LINK_ONLY_RE.match(source.strip())):
        title, url = markdown_plain(link["title"]), link["url"]
    else:
        text = markdown_plain(source) if fmt == MARKDOWN else collapse(source)
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
    wanted = collapse(label).lower()
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
    return collapse(html.unescape(_strip_tags(fragment or "")))


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


DISCLAIMER_WORDS_RE = re.compile(
    r"disclaimer|medical advice|food and drug administration|\bFDA\b|not intended to diagnose|"
    r"important note",
    re.IGNORECASE,
)
