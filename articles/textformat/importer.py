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

Where things are: the draft and the checks before parsing in `draft.py`; the publisher's
conventions (the patterns and the functions that read one call-out, intake row, reference or
closing note) in `conventions.py`; Markdown's blocks in `blocks.py`; here, the walk through an
article's blocks. It is one class (`_Parser`) over 500 lines because its steps share the walk's
state (the section being filled, the references read so far, the warnings) and each step is
short; splitting it would pass that state around instead.
"""

import html
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from ..models import Section, Study
from .blocks import (
    Block,
    MarkdownNestingError,
    collapse,
    markdown_blocks,
    markdown_inline,
    markdown_plain,
    markdown_shape,
    unhide,
)
from .conventions import (
    ATTRIBUTION_RE,
    CLOSING_HEADING_RE,
    DISCLAIMER_WORDS_RE,
    EXPLICIT_ATTRIBUTION_RE,
    IN_TEXT_LINE_RE,
    INTAKES_HEADING_RE,
    KNOWN_NUTRIENT_RE,
    KNOWN_NUTRIENTS,
    MD_IN_TEXT_RE,
    MD_LINK_ONLY_RE,
    NUMBERED_HEADING_RE,
    PLACED_TABLE_HEADING_RE,
    RDA_HEADING_RE,
    RDA_LEAD_IN_RE,
    RDA_SOURCE_RE,
    RDA_UPPER_LIMIT_RE,
    REFERENCES_HEADING_RE,
    RELATED_MARKER_RE,
    UNITS,
    in_text_studies,
    label_of,
    match_disclaimer,
    plain_blocks,
    read_rda_row,
    read_reference,
    read_study,
    sentence_case,
    strip_html,
    study_name,
)
from .draft import (
    MARKDOWN,
    PLAIN,
    ArticleDraft,
    ArticleImportError,
    DraftRDATable,
    DraftSection,
    check_shape,
    check_text,
    detect_format,
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
        return markdown_plain(source) if self.fmt == MARKDOWN else collapse(source)

    def shape(self, source):
        """The text patterns are matched against (escaped characters hidden)."""
        return markdown_shape(source) if self.fmt == MARKDOWN else collapse(source)

    def inline(self, source):
        if self.fmt == MARKDOWN:
            return markdown_inline(source)
        return html.escape(collapse(source), quote=False)

    def item_html(self, source):
        """A list item; in plain text a short "Label:" lead-in is shown in bold, as on the site."""
        if self.fmt == PLAIN:
            labelled = label_of(source, PLAIN)
            if labelled and len(labelled[0].split()) <= 6:
                return (
                    f"<strong>{html.escape(labelled[0], quote=False)}:</strong> "
                    f"{html.escape(collapse(labelled[1]), quote=False)}"
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
                if DISCLAIMER_WORDS_RE.search(self.plain(source)):
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
                    f"{study_name(study)} points at reference {study.reference_number}, which "
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
                        f"{study_name(study)} has no finding, and no sentence of “"
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
            nutrient = sentence_case(match["nutrient"].strip())
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
            table.unit = UNITS[match["unit"].lower()]
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
    text = collapse(text)
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
