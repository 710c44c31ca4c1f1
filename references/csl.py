"""
CSL-JSON, the citation data standard that Crossref and NCBI serve and every reference manager
reads: the pieces a `Reference` is mapped through (names, dates), checked and converted here so
the model, the lookups and the file formats agree on one shape.

Names are CSL name objects: ``{"family": "Wessells", "given": "KR"}`` for a person,
``{"literal": "World Health Organization"}`` for an organisation. Dates are CSL ``date-parts``:
``[[2012, 11, 29]]``, ``[[2010]]``; a part the source does not state is left out, never invented.
"""

import calendar
import re

from django.utils.translation import gettext as _

#: The keys a CSL name object may have.
NAME_KEYS = {"family", "given", "literal", "suffix", "dropping-particle", "non-dropping-particle"}
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
SEASONS = {"spring", "summer", "fall", "autumn", "winter"}


def name_problems(names):
    """What is wrong with `names` as a list of CSL names, in words an editor reads ([] if
    nothing)."""
    if not isinstance(names, list):
        return [_('Give the names as a list, e.g. [{"family": "Wessells", "given": "KR"}].')]
    problems = []
    for number, name in enumerate(names, start=1):
        if not isinstance(name, dict):
            problems.append(_("Name %(number)d is not a name object.") % {"number": number})
            continue
        unknown = set(name) - NAME_KEYS
        if unknown:
            problems.append(
                _("Name %(number)d has fields a name does not have: %(fields)s.")
                % {"number": number, "fields": ", ".join(sorted(unknown))}
            )
        if any(not isinstance(value, str) for value in name.values()):
            problems.append(_("Name %(number)d: every part must be text.") % {"number": number})
            continue
        literal, family = name.get("literal", "").strip(), name.get("family", "").strip()
        if literal and family:
            problems.append(
                _("Name %(number)d: give either a family name or a literal name, not both.")
                % {"number": number}
            )
        elif not literal and not family:
            problems.append(
                _("Name %(number)d needs a family name (or a literal name for an organisation).")
                % {"number": number}
            )
    return problems


def clean_names(names):
    """`names` with surrounding spaces and empty parts removed."""
    cleaned = []
    for name in names or []:
        kept = {key: value.strip() for key, value in name.items() if str(value).strip()}
        if kept:
            cleaned.append(kept)
    return cleaned


def name_from_display(text):
    """A CSL name from PubMed's display form: ``"Wessells KR"`` → family Wessells, given KR.
    A name with no initials after it (a collective author) is kept as a literal name."""
    text = " ".join(text.split())
    family, _space, initials = text.rpartition(" ")
    if family and re.fullmatch(r"[A-Z]{1,4}", initials):
        return {"family": family, "given": initials}
    return {"literal": text}


def names_to_text(names):
    """Names as one line: ``"Wessells KR, Brown KH"``."""
    return ", ".join(
        name.get("literal") or " ".join(filter(None, [name.get("family"), name.get("given")]))
        for name in names
    )


def date_parts(year, month=None, day=None):
    """CSL date-parts for the parts that are known: ``[[2012, 11]]``; None without a year."""
    if not year:
        return None
    parts = [year]
    if month:
        parts.append(month)
        if day:
            parts.append(day)
    return {"date-parts": [parts]}


def parts_of(date):
    """(year, month, day) of a CSL date (``{"date-parts": [[2012, 11, 29]]}``; also a "raw" or
    "literal" date that starts with a year), None for each part it does not state."""
    if not isinstance(date, dict):
        return None, None, None
    parts = (date.get("date-parts") or [[]])[0] or []
    numbers = []
    for part in parts[:3]:
        try:
            numbers.append(int(part))
        except (TypeError, ValueError):
            break
    if not numbers:
        text = date.get("raw") or date.get("literal") or ""
        return parse_text_date(str(text))
    numbers += [None] * (3 - len(numbers))
    year, month, day = numbers
    return valid_date_parts(year, month, day)


def parse_text_date(text):
    """(year, month, day) of a date as PubMed writes it: ``"2012 Nov 29"``, ``"2010 Spring"``,
    ``"2024 Jan-Feb"``, ``"2021"``, also ``"2021-01-30"``. Only what the text states."""
    text = text.strip()
    if match := re.match(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?\b", text):
        year, month, day = (int(group) if group else None for group in match.groups())
        if month is not None or not re.match(r"^\d{4}\s+[A-Za-z]", text):
            return valid_date_parts(year, month, day)
    match = re.match(r"^(\d{4})(?:\s+([A-Za-z]{3})[a-z]*(?:\s+(\d{1,2}))?)?", text)
    if not match:
        return None, None, None
    year = int(match.group(1))
    month = MONTHS.get((match.group(2) or "").lower())
    if month and text[match.end(2) :].lstrip("abcdefghijklmnopqrstuvwxyz").startswith("-"):
        month = None  # a range of months ("Jan-Feb"): only the year is one date
    day = int(match.group(3)) if month and match.group(3) else None
    return valid_date_parts(year, month, day)


def valid_date_parts(year, month, day):
    """The parts that make a real date: a month outside 1–12 or a day the month does not have
    is dropped (with what follows it)."""
    if not year or not 1 <= year <= 9999:
        return None, None, None
    if not month or not 1 <= month <= 12:
        return year, None, None
    if not day or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return year, month, None
    return year, month, day


def first(value):
    """The first item of a list (Crossref gives titles as lists), or the value itself."""
    if isinstance(value, list):
        return value[0] if value else ""
    return value if value is not None else ""
