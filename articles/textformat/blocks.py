"""
Markdown read by markdown-it-py (CommonMark) into the blocks the importer walks.

The importer recognises the publisher's conventions (study call-outs, intake lists, references,
disclaimers) in the *source* of each paragraph, list item or quote, before any HTML exists. So
markdown-it's tokens are walked once into `Block`s that keep each paragraph's inline source
(and the line it starts on), and inline source is rendered or flattened here, on demand:

- `markdown_inline()`: HTML for a paragraph, list item or quote. Emphasis (``*``/``_``),
  strong (``**``/``__``), links and autolinks to http(s) and mailto addresses, ``<sub>`` and
  ``<sup>``, hard line breaks. Code spans and code blocks are kept as their text (the stored body
  has no code element); any other inline HTML is kept as text, escaped. Every stored body is
  sanitised again on save (`hslhealing.richtext`).
- `markdown_plain()`: the text without markup (headings, findings, titles).
- `markdown_shape()`: like `markdown_plain()`, with each backslash-escaped character left as a
  private-use placeholder, so that patterns looking for punctuation ("Source:", "(Xu et al.,
  2013)") do not see an escaped one; `unhide()` puts them back.

Lists and quotes nested more than `MAX_NESTING` deep are refused with one `MarkdownNestingError`
(markdown-it itself stops descending at its `maxNesting` and would drop what is deeper).
"""

import html
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

#: Lists and block quotes inside one another: deeper than this is refused.
MAX_NESTING = 20

#: Link targets kept as links; any other target is kept as text after the link's words.
LINK_SCHEMES = ("http://", "https://", "mailto:")

# markdown-it counts a nesting level for each list, list item, quote and paragraph: 2 per list,
# so at this limit any input it would cut short is already deeper than MAX_NESTING.
_md = MarkdownIt("commonmark", {"maxNesting": 2 * MAX_NESTING + 6})
# Escapes stay tokens of their own ("text_special"), so that markdown_shape() can hide them.
_md.disable("text_join")
# Blocks are read without their inline content, which is parsed once, when it is needed.
_block_md = MarkdownIt("commonmark", {"maxNesting": 2 * MAX_NESTING + 6}).disable("inline")

#: More "[" than this in one paragraph, and those that cannot open a link are read as text
#: before markdown-it sees them: it looks for the end of every "[" (quadratic in a run of them).
BRACKETS_CHECKED_ABOVE = 100
#: A link's words and its target: longer than this, the "[" is read as text.
LONGEST_LINK = 2_000
#: A "[" that cannot open a link, while markdown-it reads the text (see _defuse_brackets).
_BRACKET = "\ue1ff"

_SUB_SUP_RE = re.compile(r"^</?(?:sub|sup)>$", re.IGNORECASE)
_COMMENT_RE = re.compile(r"^\s*<!--.*?-->\s*$", re.DOTALL)


#: A paragraph, list item or quote longer than this (in characters) is refused: about 15,000
#: words, a hundred times the longest paragraph an article prints, while inline parsing of a
#: megabyte-long paragraph of "*", "_" or "[" is what takes markdown-it tens of seconds.
MAX_PARAGRAPH = 100_000


class MarkdownNestingError(ValueError):
    """Lists or quotes nested deeper than MAX_NESTING, or a paragraph longer than
    MAX_PARAGRAPH: the message is one line for the editor."""


def check_paragraph(source, line):
    """Raise MarkdownNestingError for a paragraph longer than MAX_PARAGRAPH characters."""
    if len(source) > MAX_PARAGRAPH:
        raise MarkdownNestingError(
            f"The paragraph at line {line} is {len(source):,} characters long; paragraphs of "
            f"up to {MAX_PARAGRAPH:,} characters can be imported. Break it up and import again."
        )


@dataclass
class Block:
    kind: str  # heading, paragraph, list, quote, related
    lines: list = field(default_factory=list)  # source lines (paragraph, quote)
    level: int = 0  # heading level
    text: str = ""  # heading text, as written
    items: list = field(default_factory=list)  # list items: (source text, [nested Blocks])
    ordered: bool = False
    line: int = 0

    @property
    def source(self):
        return "\n".join(self.lines)


# --------------------------------------------------------------------------------------------
# Blocks


def markdown_blocks(text):
    """The blocks of a Markdown text, in order: headings, paragraphs, lists (with their nested
    lists) and quotes. Raise MarkdownNestingError for lists or quotes nested too deep."""
    tokens = _block_md.parse(text)
    _check_nesting(tokens)
    blocks, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        end = _close_of(tokens, index)
        line = token.map[0] + 1 if token.map else 0
        if token.type == "heading_open":
            blocks.append(
                Block("heading", level=int(token.tag[1]), text=tokens[index + 1].content, line=line)
            )
        elif token.type == "paragraph_open":
            lines = tokens[index + 1].content.split("\n")
            blocks.append(Block("paragraph", lines=lines, line=line))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            blocks.append(_list_block(tokens, index, end))
        elif token.type == "blockquote_open":
            lines = [x for t in tokens[index:end] for x in _inline_lines(t)]
            blocks.append(Block("quote", lines=lines, line=line))
        elif token.type in ("fence", "code_block") or (
            token.type == "html_block" and not _COMMENT_RE.match(token.content)
        ):
            blocks.append(Block("paragraph", lines=_literal_lines(token.content), line=line))
        index = end + 1
    for block in blocks:
        for source in [block.source, *(item for item, _nested in block.items)]:
            check_paragraph(source, block.line)
    return blocks


def _check_nesting(tokens):
    depth = deepest = 0
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            depth += 1
            deepest = max(deepest, depth)
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            depth -= 1
    if deepest > MAX_NESTING:
        raise MarkdownNestingError(
            f"Lists or quotes are nested more than {MAX_NESTING} levels deep; "
            f"flatten them to at most {MAX_NESTING} levels and import again."
        )


def _close_of(tokens, index):
    """The index of the token closing tokens[index] (itself, for a token that opens nothing)."""
    if tokens[index].nesting != 1:
        return index
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1  # pragma: no cover - markdown-it closes what it opens


def _list_block(tokens, start, end):
    """A list from tokens[start] (its opening) to tokens[end] (its closing), nested lists kept
    as blocks of their items; anything else inside an item is kept as lines of its text."""
    opening = tokens[start]
    block = Block("list", ordered=opening.type == "ordered_list_open", line=opening.map[0] + 1)
    index = start + 1
    while index < end:
        item_end = _close_of(tokens, index)  # tokens[index] is a list_item_open
        lines, nested, position = [], [], index + 1
        while position < item_end:
            token = tokens[position]
            token_end = _close_of(tokens, position)
            if token.type in ("bullet_list_open", "ordered_list_open"):
                nested.append(_list_block(tokens, position, token_end))
            else:
                for inner in tokens[position : token_end + 1]:
                    lines.extend(_inline_lines(inner))
            position = token_end + 1
        source = "\n".join(lines)
        if source.strip() or nested:
            block.items.append((source, nested))
        index = item_end + 1
    return block


def _inline_lines(token):
    if token.type == "inline":
        return token.content.split("\n")
    if token.type in ("fence", "code_block", "html_block"):
        return _literal_lines(token.content)
    return []


def _literal_lines(content):
    """Code and HTML blocks are kept as text: each line with its Markdown characters escaped,
    joined by hard line breaks."""
    lines = [_escape(line) for line in content.rstrip("\n").split("\n")]
    return [line + "\\" for line in lines[:-1]] + lines[-1:]


def _escape(text):
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~])", r"\\\1", text)


# --------------------------------------------------------------------------------------------
# Inline text


class _Escapes:
    """Backslash-escaped characters as private-use placeholders (see markdown_shape)."""

    PUNCTUATION = string.punctuation
    BASE = 0xE000

    @classmethod
    def hide(cls, character):
        index = cls.PUNCTUATION.find(character)
        return chr(cls.BASE + index) if index >= 0 else character


@lru_cache(maxsize=256)
def _inline_tokens(source):
    tokens = _md.parseInline(_defuse_brackets(source))
    return tuple(tokens[0].children or ()) if tokens else ()


def _defuse_brackets(source):
    """`source` with each "[" that cannot open an inline link hidden as _BRACKET (which
    markdown-it reads as text in one run), when it has many.

    A "[" opens a link only when its matching "]" is followed by "(" and a ")" closes the
    target (reference links are not read). Brackets are matched in one pass, left to right."""
    if source.count("[") <= BRACKETS_CHECKED_ABOVE:
        return source
    closing_after = [len(source)] * (len(source) + 1)  # the first ")" at or after each position
    for position in range(len(source) - 1, -1, -1):
        closing_after[position] = (
            position if source[position] == ")" else closing_after[position + 1]
        )
    openers, links, escaped = [], set(), False
    for position, character in enumerate(source):
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "[":
            openers.append(position)
        elif character == "]" and openers:
            start = openers.pop()
            if (
                source.startswith("(", position + 1)
                and closing_after[position + 1] - start <= LONGEST_LINK
            ):
                links.add(start)
    out, escaped = [], False
    for position, character in enumerate(source):
        if character == "[" and not escaped and position not in links:
            out.append(_BRACKET)
        else:
            out.append(character)
        escaped = character == "\\" and not escaped
    return "".join(out)


def markdown_inline(source):
    """HTML for one paragraph, list item or quote of Markdown (escaped; sanitised again on save)."""
    out, links = [], []
    for token in _inline_tokens(source):
        kind = token.type
        if kind in ("text", "text_special", "code_inline"):
            out.append(html.escape(token.content.replace(_BRACKET, "["), quote=False))
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("<br>")
        elif kind in ("strong_open", "strong_close", "em_open", "em_close"):
            out.append(f"<{'/' if token.nesting < 0 else ''}{token.tag}>")
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
            links.append(href)
            if href.startswith(LINK_SCHEMES):
                out.append(f'<a href="{html.escape(href)}">')
        elif kind == "link_close":
            href = links.pop()
            out.append("</a>" if href.startswith(LINK_SCHEMES) else f" ({html.escape(href)})")
        elif kind == "image":
            out.append(html.escape(token.content.replace(_BRACKET, "["), quote=False))
        elif kind == "html_inline":
            tag = token.content
            out.append(tag.lower() if _SUB_SUP_RE.match(tag) else html.escape(tag, quote=False))
    return collapse("".join(out))


def markdown_plain(source):
    """The text of inline Markdown, without markup: for headings, findings, titles."""
    return unhide(markdown_shape(source))


def markdown_shape(source):
    """Like markdown_plain(), but an escaped character stays a placeholder, so that patterns
    looking for punctuation ("Source:", "(Xu et al., 2013)") do not see an escaped one."""
    out, links = [], []
    for token in _inline_tokens(source):
        kind = token.type
        if kind == "text_special" and token.info == "escape":
            out.append(_Escapes.hide(token.content))
        elif kind in ("text", "text_special", "code_inline", "image"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "html_inline" and not _SUB_SUP_RE.match(token.content):
            out.append(token.content)
        elif kind == "link_open":
            links.append(str(token.attrs.get("href", "")))
        elif kind == "link_close":
            href = links.pop()
            if not href.startswith(LINK_SCHEMES):
                out.append(f" ({href})")
    return collapse("".join(out).replace(_BRACKET, "["))


def unhide(text):
    """Put escaped characters back (see markdown_shape)."""
    return re.sub(
        "[\ue000-\ue0ff]",
        lambda m: _Escapes.PUNCTUATION[ord(m.group()) - _Escapes.BASE],
        text,
    )


def collapse(text):
    """Runs of white space as one space, trimmed."""
    return " ".join(text.split())
