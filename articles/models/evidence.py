"""
How a study (a figure shown to readers) stands against the reference it cites.

A study carries the journal, authors and year the article's text gives ("Barbagallo &
Dominguez, 2010 — Brain Research Bulletin"); its reference, once its details are fetched, carries
the record's ("Barbagallo M, Dominguez LJ … Curr Pharm Des. 2010"). `check_study` compares the
three facts an editor can check at a glance — the first author's surname, the year and the
journal — and says in words what differs. Nothing here changes either side: a disagreement is
shown to editors, never "fixed".

`surname_key` and `journal_key` are the comparisons' normal forms: case, accents, punctuation and
"&"/"and" do not count; "Curr Pharm Des" (the abbreviation) and "Current pharmaceutical design"
(the full name) both name the record's journal.
"""

import re
import unicodedata

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: What ends the first author's name in an in-text citation: "Xu et al.", "Barbagallo &
#: Dominguez", "Boyle, Lawton and Dye".
_FIRST_AUTHOR_END = re.compile(r"\s+et\s+al\b|\s*&|\s+and\s+|,|;", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class SourceCheck(models.TextChoices):
    """Where a study stands against its reference (stored on `Study.source_check`)."""

    UNLINKED = "unlinked", gettext_lazy("No reference linked")
    NOT_FETCHED = "not_fetched", gettext_lazy("Reference details not fetched")
    AGREES = "agrees", gettext_lazy("Agrees with its reference")
    DISAGREES = "disagrees", gettext_lazy("Disagrees with its reference")


def _plain(text):
    """Lower case, accents dropped, "&" read as "and", punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return " ".join(_NOT_WORD.sub(" ", text.replace("&", " and ")).split())


def first_author_of(authors):
    """The first author's name in an in-text citation: "Xu et al." -> "Xu"."""
    return _FIRST_AUTHOR_END.split(authors or "", maxsplit=1)[0].strip()


def surname_key(name):
    return _plain(name)


def journal_key(name):
    """A journal's name compared without case, accents, punctuation or a leading "The"."""
    plain = _plain(name)
    return plain[4:] if plain.startswith("the ") else plain


def record_first_surname(reference):
    """The family name (or an organisation's name) of the record's first author, or ""."""
    for name in reference.authors or []:
        return name.get("family") or name.get("literal") or ""
    return ""


def record_journals(reference):
    """The names the record gives its journal or book (full and abbreviated)."""
    return [name for name in (reference.container_title, reference.container_title_short) if name]


def check_study(study, reference):
    """(SourceCheck, note) for `study` against `reference` (None: no reference linked).

    The note names each fact that differs, in an editor's words, e.g. "Journal: the article says
    “Brain Research Bulletin”, the record says “Current pharmaceutical design”." A fact the
    record does not state is not compared; a record with none of them is "not fetched".
    """
    if reference is None:
        return SourceCheck.UNLINKED, ""
    surname = record_first_surname(reference)
    journals = record_journals(reference)
    year = reference.issued_year
    if not (surname or journals or year):
        return SourceCheck.NOT_FETCHED, _(
            "The reference’s details (authors, journal, year) have not been fetched, so this "
            "study cannot be checked against it yet."
        )
    differences = []
    cited_author = first_author_of(study.authors)
    if surname and cited_author and surname_key(cited_author) != surname_key(surname):
        differences.append(
            _("First author: the article says “%(cited)s”, the record says “%(record)s”.")
            % {"cited": cited_author, "record": surname}
        )
    if year and study.year and year != study.year:
        differences.append(
            _("Year: the article says %(cited)s, the record says %(record)s.")
            % {"cited": study.year, "record": year}
        )
    if (
        journals
        and study.journal
        and journal_key(study.journal) not in {journal_key(name) for name in journals}
    ):
        differences.append(
            _("Journal: the article says “%(cited)s”, the record says “%(record)s”.")
            % {"cited": study.journal, "record": " / ".join(journals)}
        )
    if differences:
        return SourceCheck.DISAGREES, " ".join(differences)
    return SourceCheck.AGREES, ""


def matches_study(study, reference):
    """Whether `reference` may be the source of `study`: its first author's surname and its
    year are the study's (both must be known)."""
    surname = record_first_surname(reference)
    cited = first_author_of(study.authors)
    return bool(
        surname
        and cited
        and reference.issued_year
        and reference.issued_year == study.year
        and surname_key(surname) == surname_key(cited)
    )
