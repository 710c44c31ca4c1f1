"""
Reference-manager formats: references pasted or exported from Zotero, EndNote or Mendeley as
RIS, BibTeX or CSL-JSON, read into CSL-JSON items (`read`), and references written back out
in those formats (`write`). The files are read and written by well-kept parsers (rispy,
bibtexparser); this module only maps their fields onto CSL's.
"""

import json
import re

import bibtexparser
import rispy
from bibtexparser.middlewares import (
    LatexDecodingMiddleware,
    MonthIntMiddleware,
    SeparateCoAuthors,
    SplitNameParts,
)
from bibtexparser.model import Entry, Field
from django.utils.translation import gettext as _
from pylatexenc.latex2text import LatexNodes2Text

from . import csl

FORMATS = {"ris": "RIS", "bibtex": "BibTeX", "csl-json": "CSL-JSON"}
EXTENSIONS = {"ris": "ris", "bibtex": "bib", "csl-json": "json"}
CONTENT_TYPES = {
    "ris": "application/x-research-info-systems",
    "bibtex": "application/x-bibtex",
    "csl-json": "application/vnd.citationstyles.csl+json",
}

RIS_TYPES = {
    "JOUR": "article-journal",
    "JFULL": "article-journal",
    "EJOUR": "article-journal",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "RPRT": "report",
    "GOVDOC": "report",
    "ELEC": "webpage",
    "WEB": "webpage",
    "BLOG": "webpage",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "THES": "thesis",
    "DATA": "dataset",
    "ENCYC": "entry-encyclopedia",
    "DICT": "entry-encyclopedia",
    "MGZN": "article-magazine",
    "NEWS": "article-newspaper",
}
CSL_TO_RIS = {
    "article-journal": "JOUR",
    "book": "BOOK",
    "chapter": "CHAP",
    "report": "RPRT",
    "webpage": "ELEC",
    "paper-conference": "CPAPER",
    "thesis": "THES",
    "dataset": "DATA",
    "entry-encyclopedia": "ENCYC",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
}
BIBTEX_TYPES = {
    "article": "article-journal",
    "book": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "techreport": "report",
    "report": "report",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "dataset": "dataset",
}
CSL_TO_BIBTEX = {
    "article-journal": "article",
    "book": "book",
    "chapter": "incollection",
    "report": "techreport",
    "webpage": "online",
    "paper-conference": "inproceedings",
    "thesis": "phdthesis",
    "dataset": "dataset",
}


class FormatError(ValueError):
    """The text is not readable in the format; ``str()`` says why, for an editor."""


def detect(text):
    """The format `text` looks like: "csl-json", "bibtex" or "ris" (None if none)."""
    start = text.lstrip()[:1]
    if start in "[{" and start:
        return "csl-json"
    if start == "@":
        return "bibtex"
    if re.search(r"^TY  - ", text, re.MULTILINE):
        return "ris"
    return None


def read(text, format=None):
    """CSL-JSON items from `text` in `format` (detected when not given)."""
    format = format or detect(text)
    if format == "csl-json":
        return read_csl_json(text)
    if format == "bibtex":
        return read_bibtex(text)
    if format == "ris":
        return read_ris(text)
    raise FormatError(_("This is not RIS, BibTeX or CSL-JSON."))


def read_csl_json(text):
    try:
        data = json.loads(text)
    except ValueError as error:
        message = _("The CSL-JSON is not valid JSON: %(error)s.") % {"error": error}
        raise FormatError(message) from None
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise FormatError(_("CSL-JSON is a list of objects, one per reference."))
    return items


def ris_name(text):
    family, comma, given = text.partition(",")
    if not comma:
        return {"literal": text.strip()}
    return csl.clean_names([{"family": family, "given": given}])[0]


def read_ris(text):
    try:
        entries = rispy.loads(text)
    except Exception as error:  # rispy raises plain exceptions on malformed input
        raise FormatError(_("The RIS could not be read: %(error)s.") % {"error": error}) from None
    items = []
    for entry in entries:
        year, month, day = csl.parse_text_date(
            entry.get("date") or entry.get("year") or entry.get("publication_year") or ""
        )
        pages = "-".join(filter(None, [entry.get("start_page"), entry.get("end_page")]))
        item = {
            "type": RIS_TYPES.get(entry.get("type_of_reference", ""), "document"),
            "title": entry.get("title") or entry.get("primary_title") or "",
            "author": [
                ris_name(name) for name in entry.get("authors") or entry.get("first_authors") or []
            ],
            "editor": [ris_name(name) for name in entry.get("secondary_authors") or []],
            "container-title": entry.get("secondary_title")
            or entry.get("journal_name")
            or entry.get("alternate_title3")
            or "",
            "container-title-short": entry.get("alternate_title2")
            or entry.get("alternate_title1")
            or "",
            "issued": csl.date_parts(year, month, day),
            "volume": entry.get("volume", ""),
            "issue": entry.get("number", ""),
            "page": pages,
            "publisher": entry.get("publisher", ""),
            "publisher-place": entry.get("place_published", ""),
            "DOI": entry.get("doi", ""),
            "URL": (entry.get("urls") or [""])[0],
        }
        accessed = csl.parse_text_date(entry.get("access_date") or "")
        if all(accessed):
            item["accessed"] = csl.date_parts(*accessed)
        database = (entry.get("name_of_database") or "").lower()
        if (entry.get("accession_number") or "").isdigit() and (
            "pubmed" in database or "nlm" in database
        ):
            item["PMID"] = entry["accession_number"]
        items.append({key: value for key, value in item.items() if value not in ("", None, [])})
    return items


def read_bibtex(text):
    library = bibtexparser.parse_string(
        text,
        # Names are split before LaTeX is decoded, so that braces still mark an organisation
        # ("{World Health Organization}"); their parts are decoded in `bibtex_names`.
        append_middleware=[
            MonthIntMiddleware(True),
            SeparateCoAuthors(),
            SplitNameParts(),
            LatexDecodingMiddleware(),
        ],
    )
    if library.failed_blocks:
        raise FormatError(
            _("The BibTeX could not be read from line %(line)d.")
            % {"line": library.failed_blocks[0].start_line + 1}
        )
    items = []
    for entry in library.entries:
        fields = {field.key.lower(): field.value for field in entry.fields}
        year = int(fields["year"]) if str(fields.get("year", "")).isdigit() else None
        month = fields.get("month") if isinstance(fields.get("month"), int) else None
        item = {
            "id": entry.key,
            "type": BIBTEX_TYPES.get(entry.entry_type.lower(), "document"),
            "title": fields.get("title", ""),
            "author": bibtex_names(fields.get("author")),
            "editor": bibtex_names(fields.get("editor")),
            "container-title": fields.get("journal") or fields.get("booktitle") or "",
            "issued": csl.date_parts(*csl.valid_date_parts(year, month, None)),
            "volume": fields.get("volume", ""),
            "issue": fields.get("number", ""),
            "page": str(fields.get("pages", "")).replace("--", "-").replace("\u2013", "-"),
            "publisher": fields.get("publisher") or fields.get("institution") or "",
            "publisher-place": fields.get("address", ""),
            "DOI": fields.get("doi", ""),
            "PMID": fields.get("pmid", ""),
            "PMCID": fields.get("pmcid", ""),
            "URL": fields.get("url", ""),
        }
        items.append({key: value for key, value in item.items() if value not in ("", None, [])})
    return items


def bibtex_names(names):
    result = []
    for name in names or []:
        family = latex_to_text(" ".join(name.von + name.last))
        given = latex_to_text(" ".join(name.first))
        if not given and not name.von:
            result.append({"literal": family})
        else:
            suffix = latex_to_text(" ".join(name.jr))
            person = {"family": family, "given": given, "suffix": suffix}
            result.append({key: value for key, value in person.items() if value})
    return result


def latex_to_text(text):
    return LatexNodes2Text().latex_to_text(text).strip()


def write(references, format):
    """`references` as text in `format`."""
    items = [reference.to_csl() for reference in references]
    if format == "csl-json":
        return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    if format == "ris":
        return rispy.dumps([ris_entry(item) for item in items])
    if format == "bibtex":
        library = bibtexparser.Library([bibtex_entry(item) for item in items])
        return bibtexparser.write_string(library)
    raise FormatError(_("Unknown format %(format)s.") % {"format": format})


def display_names(names):
    return [
        name.get("literal") or ", ".join(filter(None, [name.get("family"), name.get("given")]))
        for name in names or []
    ]


def ris_entry(item):
    year, month, day = csl.parts_of(item.get("issued"))
    start, _dash, end = item.get("page", "").partition("-")
    entry = {
        "type_of_reference": CSL_TO_RIS.get(item["type"], "GEN"),
        "authors": display_names(item.get("author")),
        "secondary_authors": display_names(item.get("editor")),
        "title": item.get("title", ""),
        "secondary_title": item.get("container-title", ""),
        "alternate_title2": item.get("container-title-short", ""),
        "year": str(year or ""),
        "date": "/".join(
            f"{part:02d}" if part < 100 else str(part) for part in (year, month, day) if part
        ),
        "volume": item.get("volume", ""),
        "number": item.get("issue", ""),
        "start_page": start,
        "end_page": end,
        "publisher": item.get("publisher", ""),
        "place_published": item.get("publisher-place", ""),
        "doi": item.get("DOI", ""),
        "urls": [item["URL"]] if item.get("URL") else [],
    }
    if item.get("PMID"):
        entry["accession_number"] = item["PMID"]
        entry["name_of_database"] = "PubMed"
    if accessed := item.get("accessed"):
        entry["access_date"] = "/".join(f"{part:02d}" for part in accessed["date-parts"][0])
    return {key: value for key, value in entry.items() if value not in ("", None, [])}


def bibtex_entry(item):
    year, month, _day = csl.parts_of(item.get("issued"))
    names = {
        role: " and ".join(
            (name.get("literal") and f"{{{name['literal']}}}")
            or ", ".join(filter(None, [name.get("family"), name.get("given")]))
            for name in item.get(key) or []
        )
        for role, key in (("author", "author"), ("editor", "editor"))
    }
    container = "journal" if item["type"] == "article-journal" else "booktitle"
    values = {
        **names,
        "title": item.get("title", ""),
        container: item.get("container-title", ""),
        "year": str(year or ""),
        "month": str(month or ""),
        "volume": item.get("volume", ""),
        "number": item.get("issue", ""),
        "pages": item.get("page", "").replace("-", "--"),
        "publisher": item.get("publisher", ""),
        "address": item.get("publisher-place", ""),
        "doi": item.get("DOI", ""),
        "pmid": item.get("PMID", ""),
        "pmcid": item.get("PMCID", ""),
        "url": item.get("URL", ""),
    }
    fields = [Field(key, value) for key, value in values.items() if value]
    return Entry(CSL_TO_BIBTEX.get(item["type"], "misc"), f"ref{item['id']}", fields)
