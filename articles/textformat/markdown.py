"""
Articles written out as Markdown, in the shape `articles.importer` reads back.

Importing an exported article gives the same article: the same sections (heading, level,
numbering, text), studies, intake tables, references in order, "You may also like" links,
disclaimers and attribution. The dialect, top to bottom::

    # Title

    The standfirst, one paragraph.

    The introduction (the section without a heading), when there is one.

    ## A section heading

    Its text: paragraphs, "- " and "1. " lists, **bold**, *italic*, [links](https://…),
    <sub>…</sub> and <sup>…</sup>, a backslash at the end of a line for a line break, and a
    backslash before punctuation that must stay plain text (\\*, \\[, \\(…).

    > **Clinical Insight:** What it found. (Xu et al., 2013) — *Neuroscience Research*; animal model

    > *Cited in the text:* (Feldman et al., 2017)

    #### Intake table: Magnesium (mg)

    - Men aged 19-30: 400 mg/day

    ### 1. A sub-section of a section whose sub-sections are numbered
    ### A sub-section of one whose sub-sections are not

    ## Recommended intakes

    ### Magnesium (mg)

    - Men aged 19-30: 400 mg/day
    - Women aged 31 and older: 320 mg/day
    - Infants aged 7-12 months: 75 mg/day (AI)

    Source: Food and Nutrition Board, National Academies

    Tolerable upper intake level: 350 mg/day (adults, from supplements only)

    ## References

    1. Magnesium and aging [Internet]. pubmed.ncbi.nlm.nih.gov; [cited 2025 Jan 8]. Available
       from: https://pubmed.ncbi.nlm.nih.gov/20388094/ PubMed PMID: 20388094.
    2. Wessells KR, Brown KH. Estimating … PLoS One. 2012;7(11):e50568.
       doi:10.1371/journal.pone.0050568 Available from: https://doi.org/10.1371/…

    ## You May Also Like

    - The title of another article on the site

    <Title> is an original (HSLHealing) article.

    **Important Note:** the disclaimer's text, for whoever reads the file.

An RDA table with a place is written in it, under "#### Intake table: <Nutrient> (<unit>)",
after the section's paragraph it follows (top-level paragraphs counted, as the page and the
importer count them; 0 before the text), or last under "#### Intake table at the end of the
section: …"; tables with no place go under "## Recommended intakes".

Study lines are quotes after the section's text, in their order. A study cited in the running
text whose finding is the sentence citing it is written as its citation alone, with only what
the sentence does not give (so its sentence and figure appear once). A call-out box starts with
its **label:**; a study behind a figure in the running text starts with *Cited in the text:*.
Then comes the finding exactly as stored and the citation "(Authors, Year)". After a dash, the
tail lists what the finding alone would not tell the importer, separated by semicolons: the
journal in *italics*, the study type by name, "figure X", "reference N" (its number in the
reference list), and, where the importer would otherwise guess, "no journal", "type not
stated" or "no figure". Disclaimers are matched back by their title; their text is there for
the reader of the file and is never imported.

References are written as readers see them, in NLM/Vancouver style (`Reference.citation_text`),
one line each; a citation the style writes without the reference's address (a journal article
not read online) is followed by "Available from: <address>", so that every line names the
address the importer finds the reference by (or its DOI, PMID or PMCID).

It runs past 500 lines because it writes every part of an article in the shape `importer.py`
reads back, field by field (tests/articles/test_markdown_roundtrip.py holds the two together).
"""

import io
import re
import zipfile

from django.utils.text import slugify

from ..models import Disclaimer, RDARow, Section, Study
from . import importer
from .conventions import (
    CITATIONS_RE,
    ONE_CITATION_RE,
    STAGE_WORDS,
    find_figure,
    named_study_type,
    split_lead_in,
)
from .draft import DisclaimerHint
from .importer import BodyReader

#: Characters that would otherwise be read as inline Markdown.
_INLINE_SPECIALS = re.compile(r"([\\*\[\]<])")
#: "(" opening something read as a citation: "(Xu et al., 2013)".
_CITATION_OPENING = re.compile(r"(?<!\\)\((?=[^()]*,\s*\d{4}\))")
_LINE_START_MARK = re.compile(r"^([#>]|[-+](?=\s)|[-_](?=(?:\s*[-_]){2,}\s*$))")
_LINE_START_NUMBER = re.compile(r"^(\d+)(?=[.)]\s)")
#: Paragraph openings the importer reads as something other than text.
_SPECIAL_OPENINGS = re.compile(
    r"^(?:Cited\s+in\s+the\s+(?:running\s+)?text|Source|Attribution|"
    r"Tolerable\s+upper\s+(?:intake\s+)?level(?:\s*\(UL\))?)(?=:)",
    re.IGNORECASE,
)
#: Between two lists in a row, so that they are not read back as one (the importer skips it).
_LIST_SEPARATOR = "<!-- -->"
_INLINE_TAGS = {"strong", "b", "em", "i", "a", "sub", "sup", "br", "span", "code", "u", "s"}
_LIST_TAGS = {"ul", "ol"}


def escape_text(text):
    """Plain text written so the importer reads it back as the same plain text."""
    return _INLINE_SPECIALS.sub(r"\\\1", text)


def _escape_line_starts(text):
    lines = []
    for line in text.split("\n"):
        line = _LINE_START_MARK.sub(r"\\\1", line)
        lines.append(_LINE_START_NUMBER.sub(r"\1\\", line))
    return "\n".join(lines)


def _one_line(text):
    return " ".join((text or "").split())


# Body HTML --------------------------------------------------------------------------------------


class _Body:
    """Markdown blocks for one section's sanitised body HTML.

    `declared` holds the (authors, year) of the section's studies: a citation in a paragraph
    with a study line of its own is written as it is; any other citation, and every citation
    in a list item or quote, gets an escaped "(" so that importing it adds no study."""

    def __init__(self, declared, hints):
        self.declared = declared
        self.hints = hints

    def blocks(self, fragment):
        """[(Markdown, True for a paragraph)] for the top-level elements of `fragment`: the
        paragraphs are what the page and the importer count to place an RDA table."""
        blocks, inline = [], []
        for node in BodyReader.tree(fragment):
            if isinstance(node, str) or node[0] in _INLINE_TAGS:
                inline.append(node)
                continue
            self._flush(inline, blocks)
            tag, _attrs, children = node
            if tag in _LIST_TAGS:
                blocks.append(("\n".join(self.list_lines(node, "")), False))
            elif tag == "blockquote":
                text = self.quote(children)
                if text:
                    blocks.append(("\n".join(f"> {line}" for line in text.split("\n")), False))
            else:
                self._paragraph(self.inline(children, escape_all=False), blocks)
        self._flush(inline, blocks)
        return blocks

    def _flush(self, inline, blocks):
        if inline:
            self._paragraph(self.inline(inline, escape_all=False), blocks)
            inline.clear()

    def _paragraph(self, text, blocks):
        text = text.strip()
        if text:
            blocks.append((self.defuse_paragraph(text), True))

    def defuse_paragraph(self, text):
        """Escape the one character that would make the importer read a paragraph as an
        attribution, a study line, an intake detail or a disclaimer."""
        text = _escape_line_starts(text)
        shape = importer.markdown_shape(text)
        if _SPECIAL_OPENINGS.match(shape) or self._is_disclaimer(text):
            return text.replace(":", "\\:", 1)
        if importer.ATTRIBUTION_RE.match(shape):
            return re.sub(r"(?<!\\)\((?=[^()]*\)\s+article)", r"\\(", text, count=1)
        return text

    def _is_disclaimer(self, text):
        labelled = importer.label_of(text, importer.MARKDOWN)
        return bool(
            labelled
            and importer.match_disclaimer(
                labelled[0], importer.markdown_plain(labelled[1]), self.hints
            )
        )

    def quote(self, children):
        parts = []
        for node in children:
            if isinstance(node, tuple) and node[0] in _LIST_TAGS:
                parts.append(" ".join(self.list_lines(node, "")))
            elif isinstance(node, tuple) and node[0] not in _INLINE_TAGS:
                parts.append(self.inline(node[2], escape_all=True))
            else:
                parts.append(self.inline([node], escape_all=True))
        text = " ".join(part.strip() for part in parts if part.strip())
        text = text.replace(":", "\\:", 1) if _SPECIAL_OPENINGS.match(text) else text
        return _escape_line_starts(text)

    def list_lines(self, node, indent):
        tag, _attrs, children = node
        lines, number = [], 0
        for child in children:
            if not isinstance(child, tuple) or child[0] != "li":
                continue
            number += 1
            marker = f"{number}. " if tag == "ol" else "- "
            inner = " " * len(marker)
            content, nested = [], []
            for grandchild in child[2]:
                if isinstance(grandchild, tuple) and grandchild[0] in _LIST_TAGS:
                    nested.append(grandchild)
                elif isinstance(grandchild, tuple) and grandchild[0] not in _INLINE_TAGS:
                    content.extend([*grandchild[2], " "])
                else:
                    content.append(grandchild)
            text = self.inline(content, escape_all=True).strip()
            text = self.defuse_item(_escape_line_starts(text))
            lines.append(indent + marker + text.replace("\n", "\n" + indent + inner))
            for sublist in nested:
                lines.extend(self.list_lines(sublist, indent + inner))
        return lines

    def defuse_item(self, text):
        """An item the importer would read as an intake row keeps its colon as text."""
        row, _unit = importer.read_rda_row(importer.markdown_shape(text))
        if row is not None or _SPECIAL_OPENINGS.match(importer.markdown_shape(text)):
            return text.replace(":", "\\:", 1)
        return text

    def inline(self, nodes, *, escape_all):
        out = []
        for node in nodes:
            if isinstance(node, str):
                out.append(self.text(node, escape_all=escape_all))
                continue
            tag, attrs, children = node
            inner = self.inline(children, escape_all=escape_all)
            if tag in ("strong", "b") and inner.strip():
                out.append(_wrap(inner, "**"))
            elif tag in ("em", "i") and inner.strip():
                out.append(_wrap(inner, "*"))
            elif tag == "a" and attrs.get("href"):
                out.append(f"[{inner}]({attrs['href'].replace(' ', '%20')})")
            elif tag in ("sub", "sup"):
                out.append(f"<{tag}>{inner}</{tag}>")
            elif tag == "br":
                out.append("\\\n")
            elif tag in _LIST_TAGS:
                out.append(" ".join(self.list_lines(node, "")))
            else:
                out.append(inner)
        return "".join(out)

    def text(self, text, *, escape_all):
        text = escape_text(re.sub(r"\s+", " ", text))

        def citation(match):
            cited = {
                (" ".join(found["authors"].split()), int(found["year"]))
                for found in ONE_CITATION_RE.finditer(match["body"])
            }
            if escape_all or not cited <= self.declared:
                return "\\" + match.group()
            return match.group()

        return CITATIONS_RE.sub(citation, text)


def _wrap(inner, mark):
    """**bold** around the words, keeping the spaces outside the marks."""
    stripped = inner.strip()
    before = inner[: len(inner) - len(inner.lstrip())]
    after = inner[len(inner.rstrip()) :]
    return f"{before}{mark}{stripped}{mark}{after}"


# Studies, tables, the article ---------------------------------------------------------------


def _is_list(block):
    return bool(re.match(r"(?:[-+*]|\d+[.)])\s", block))


def _join_lists_apart(blocks):
    """`blocks` with a separator between two lists in a row (else they are read back as one)."""
    out = []
    for block in blocks:
        if out and _is_list(block) and _is_list(out[-1]):
            out.append(_LIST_SEPARATOR)
        out.append(block)
    return out


def sentence_citations(paragraphs):
    """What the importer takes from the citations in a section's paragraphs (Markdown, as
    written out): the first study found for each (authors, year), with its sentence."""
    found = {}
    for paragraph in paragraphs:
        for study in importer.in_text_studies(importer.markdown_shape(paragraph)):
            found.setdefault((study.authors, study.year), study)
    return found


def in_text_line(study, sentence, reference_numbers):
    """A study cited in the running text whose finding is the sentence citing it: the line
    names the citation and only what differs from what the sentence gives, so that the
    sentence, and its figure, are written once."""
    tail = []
    if study.journal:
        tail.append(f"*{escape_text(study.journal)}*")
    if study.study_type != sentence.study_type:
        if study.study_type:
            tail.append(str(Study.StudyType(study.study_type).label).lower())
        else:
            tail.append("type not stated")
    if study.effect_figure != sentence.effect_figure:
        tail.append(f"figure {study.effect_figure}" if study.effect_figure else "no figure")
    if study.reference_id in reference_numbers:
        tail.append(f"reference {reference_numbers[study.reference_id]}")
    line = f"> *Cited in the text:* ({_one_line(study.authors)}, {study.year})"
    return f"{line} — {'; '.join(tail)}" if tail else line


def study_line(study, reference_numbers, sentences=None):
    """One study as a quote line (see the module docstring). `sentences`: what the section's
    citations give (`sentence_citations`); a study cited in the text whose finding is its
    sentence is written without repeating it (`in_text_line`)."""
    sentence = (sentences or {}).get((" ".join(study.authors.split()), study.year))
    if (
        study.display == Study.Display.IN_TEXT
        and not study.label
        and sentence is not None
        and study.finding == sentence.finding
    ):
        return in_text_line(study, sentence, reference_numbers)
    finding = _one_line(study.finding)
    text = _CITATION_OPENING.sub(r"\\(", escape_text(finding))
    if study.display == Study.Display.IN_TEXT:
        head = "*Cited in the text:* "
    elif study.label:
        head = f"**{escape_text(study.label)}:** "
    else:
        head = ""
        if importer.label_of(text, importer.MARKDOWN) or text.lower().startswith("cited in"):
            text = text.replace(":", "\\:", 1)
    tail = []
    if study.journal:
        tail.append(f"*{escape_text(study.journal)}*")
    elif split_lead_in(finding):
        tail.append("no journal")
    if study.study_type:
        tail.append(str(Study.StudyType(study.study_type).label).lower())
    elif named_study_type(finding)[0]:
        tail.append("type not stated")
    if study.effect_figure:
        tail.append(f"figure {study.effect_figure}")
    elif find_figure(finding):
        tail.append("no figure")
    if study.reference_id in reference_numbers:
        tail.append(f"reference {reference_numbers[study.reference_id]}")
    line = f"> {head}{text} ({_one_line(study.authors)}, {study.year})"
    return f"{line} — {'; '.join(tail)}" if tail else line


def _amount(value):
    return format(value.normalize(), "f")


def rda_row_text(row, unit):
    if row.age_to is None:
        ages = f"{row.age_from} and older"
        if row.age_unit == RDARow.AgeUnit.MONTHS:
            ages = f"{row.age_from} months and older"
    else:
        ages = f"{row.age_from}-{row.age_to}"
        if row.age_unit == RDARow.AgeUnit.MONTHS:
            ages += " months"
    text = f"{STAGE_WORDS[row.life_stage]} aged {ages}: {_amount(row.amount)} {unit}/day"
    return text + (" (AI)" if row.intake_type == RDARow.IntakeType.ADEQUATE_INTAKE else "")


def rda_table_blocks(table, heading):
    """An intake table: its heading, rows, source and upper limit."""
    blocks = [heading]
    rows = [f"- {rda_row_text(row, table.unit)}" for row in table.rows.all()]
    if rows:
        blocks.append("\n".join(rows))
    if table.source_note:
        blocks.append(f"Source: {escape_text(_one_line(table.source_note))}")
    if table.upper_limit is not None:
        limit = f"Tolerable upper intake level: {_amount(table.upper_limit)} {table.unit}/day"
        if table.upper_limit_applies_to:
            limit += f" ({escape_text(_one_line(table.upper_limit_applies_to))})"
        blocks.append(limit)
    return blocks


def _placed_table(table, *, at_end):
    where = " at the end of the section" if at_end else ""
    return rda_table_blocks(
        table, f"#### Intake table{where}: {_heading(table.nutrient)} ({table.unit})"
    )


def _with_tables(body, tables):
    """A section's blocks (`_Body.blocks`) with its RDA tables in their places: after the
    paragraph `after_paragraph` counts to (0: before the text), or at the end."""
    waiting = list(tables)
    out, paragraphs = [], 0

    def put(number):
        for table in [t for t in waiting if t.after_paragraph == number]:
            out.extend(_placed_table(table, at_end=False))
            waiting.remove(table)

    put(0)
    for text, is_paragraph in body:
        out.append(text)
        if is_paragraph:
            paragraphs += 1
            put(paragraphs)
    for table in waiting:
        out.extend(_placed_table(table, at_end=table.after_paragraph is None))
    return out


def _heading(text):
    """A heading's text, escaped; a trailing "#" would be read as a closing mark."""
    return re.sub(r"#(\s*)$", r"\\#\1", escape_text(_one_line(text)))


def article_markdown(article):
    """The whole article as Markdown text (see the module docstring)."""
    sections = list(article.sections.prefetch_related("studies"))
    citations = list(article.citations.select_related("reference"))
    numbers = {citation.reference_id: n for n, citation in enumerate(citations, start=1)}
    tables = list(article.rda_tables.prefetch_related("rows"))
    # Linked articles and titles still waiting for their article, in the list's order.
    related = sorted(
        [
            *(
                (link.position, link.related.title)
                for link in article.related_links.select_related("related")
            ),
            *((pending.position, pending.title) for pending in article.pending_related.all()),
        ],
        key=lambda entry: entry[0],
    )
    hints = [
        DisclaimerHint(name=d.name, title=d.title, body=d.body, is_default=d.is_default)
        for d in Disclaimer.objects.all()
    ]
    standfirst = re.sub(r"\n\s*\n+", "\n", (article.standfirst or "").strip())
    blocks = [f"# {_heading(article.title)}", _escape_line_starts(escape_text(standfirst))]

    placed = {}
    for table in tables:
        if table.section_id is not None:
            placed.setdefault(table.section_id, []).append(table)
    parent_numbered, children = False, 0
    for index, section in enumerate(sections):
        if section.level == Section.Level.SUBSECTION:
            children += 1
            heading = _heading(section.heading)
            if parent_numbered:
                heading = f"{children}. {heading}"
            else:
                heading = _LINE_START_NUMBER.sub(r"\1\\", heading)
            blocks.append(f"### {heading}".rstrip())
        else:
            parent_numbered, children = section.number_subsections, 0
            if section.heading or index > 0:
                blocks.append(f"## {_heading(section.heading)}".rstrip())
        studies = list(section.studies.all())
        declared = {(" ".join(s.authors.split()), s.year) for s in studies}
        body = _Body(declared, hints).blocks(section.body)
        blocks += _join_lists_apart(_with_tables(body, placed.get(section.pk, [])))
        sentences = sentence_citations(text for text, is_paragraph in body if is_paragraph)
        blocks += [study_line(study, numbers, sentences) for study in studies]

    unplaced = [table for table in tables if table.section_id is None]
    if unplaced:
        blocks.append("## Recommended intakes")
        for table in unplaced:
            blocks += rda_table_blocks(table, f"### {_heading(table.nutrient)} ({table.unit})")
    if citations:
        blocks.append("## References")
        blocks.append(
            "\n".join(
                f"{n}. {escape_text(reference_line(c.reference))}"
                for n, c in enumerate(citations, start=1)
            )
        )
    if related:
        blocks.append("## You May Also Like")
        blocks.append("\n".join(f"- {escape_text(_one_line(title))}" for _p, title in related))
    if article.attribution:
        attribution = escape_text(_one_line(article.attribution))
        if not importer.ATTRIBUTION_RE.match(_one_line(article.attribution)):
            attribution = f"Attribution: {attribution}"
        blocks.append(_escape_line_starts(attribution))
    for disclaimer in article.disclaimers.all():
        text = escape_text(importer.strip_html(disclaimer.body))
        blocks.append(f"**{escape_text(disclaimer.title)}:** {text}".rstrip())
    return "\n\n".join(block for block in blocks if block) + "\n"


def reference_line(reference):
    """One reference in NLM/Vancouver style, with its address (see the module docstring)."""
    text = _one_line(reference.citation_text())
    if reference.url and reference.url not in text:
        text = f"{text} Available from: {reference.url}"
    return text


def article_filename(article):
    return f"{article.slug or slugify(article.title) or 'article'}.md"


def articles_zip(articles):
    """A .zip holding one .md file per article; returns its bytes."""
    buffer = io.BytesIO()
    used = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for article in articles:
            name, suffix = article_filename(article), 2
            while name in used:
                name, suffix = f"{article.slug}-{suffix}.md", suffix + 1
            used.add(name)
            archive.writestr(name, article_markdown(article))
    return buffer.getvalue()
