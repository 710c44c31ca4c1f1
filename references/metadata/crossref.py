"""
DOI records from the Crossref REST API (``/works/{doi}``), in Crossref's polite pool (a
``mailto`` parameter and a User-Agent naming the contact address, `HSL_CONTACT_EMAIL`).

Crossref's work (``message``) is close to CSL-JSON already: ``title`` and ``container-title``
are lists, ``author[]`` has ``family``/``given`` (or ``name`` for an organisation),
``issued.date-parts``, ``volume``, ``issue``, ``page``, ``publisher``, ``DOI``.

Notices: ``updated-by[]`` lists what was published about the work afterwards (``type``
"retraction", "expression_of_concern", "correction" …, with the notice's ``DOI``; this is where
Crossref carries the Retraction Watch records). ``update-to[]`` is the other direction: it is
on the notice and names the work it concerns, so a cited DOI with ``update-to`` *is* a notice
and is not flagged itself.
"""

from urllib.parse import quote, urlencode, urljoin

from django.conf import settings

from .. import csl
from ..models import NoticeStatus
from .http import BadResponse, Service
from .ncbi import SEVERITY

#: Crossref work types and the CSL types they are.
TYPES = {
    "journal-article": "article-journal",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "report": "report",
    "proceedings-article": "paper-conference",
    "dissertation": "thesis",
    "dataset": "dataset",
    "reference-entry": "entry-encyclopedia",
    "posted-content": "article",
}
#: Crossref update types that are notices about the work, and what they mean.
UPDATE_TYPES = {
    "retraction": NoticeStatus.RETRACTED,
    "partial_retraction": NoticeStatus.RETRACTED,
    "withdrawal": NoticeStatus.RETRACTED,
    "removal": NoticeStatus.RETRACTED,
    "expression_of_concern": NoticeStatus.CONCERN,
    "correction": NoticeStatus.CORRECTED,
    "erratum": NoticeStatus.CORRECTED,
    "corrigendum": NoticeStatus.CORRECTED,
}


def service(**options):
    """Crossref, 10 requests a second in the polite pool, 5 without a contact address."""
    interval = 0.1 if settings.HSL_CONTACT_EMAIL else 0.2
    return Service("Crossref", min_interval=interval, **options)


def work_url(doi):
    url = urljoin(settings.HSL_CROSSREF_API_URL, "works/" + quote(doi, safe=""))
    if settings.HSL_CONTACT_EMAIL:
        url += "?" + urlencode({"mailto": settings.HSL_CONTACT_EMAIL})
    return url


def work(doi, *, client):
    """Crossref's ``message`` for `doi`."""
    answer = client.get_json(work_url(doi), not_found=f"Crossref has no record of DOI {doi}.")
    message = answer.get("message") if isinstance(answer, dict) else None
    if not isinstance(message, dict):
        raise BadResponse("Crossref answered without a work.")
    return message


def names(people):
    result = []
    for person in people or []:
        if person.get("family"):
            name = {"family": person["family"], "given": person.get("given", "")}
            if person.get("suffix"):
                name["suffix"] = person["suffix"]
            result.append({key: value for key, value in name.items() if value})
        elif person.get("name"):
            result.append({"literal": person["name"]})
    return result


def to_csl(message):
    """A Crossref work as a CSL-JSON item."""
    date = message.get("issued") or message.get("published-print") or message.get("published")
    year, month, day = csl.parts_of(date)
    item = {
        "type": TYPES.get(message.get("type", ""), "document"),
        "title": " ".join(str(csl.first(message.get("title"))).split()),
        "author": names(message.get("author")),
        "editor": names(message.get("editor")),
        "container-title": csl.first(message.get("container-title")),
        "container-title-short": csl.first(message.get("short-container-title")),
        "issued": csl.date_parts(year, month, day),
        "volume": message.get("volume", ""),
        "issue": message.get("issue", ""),
        "page": message.get("page", ""),
        "publisher": message.get("publisher", "")
        if message.get("type") != "journal-article"
        else "",
        "publisher-place": message.get("publisher-location", ""),
        "DOI": message.get("DOI", ""),
    }
    return {key: value for key, value in item.items() if value not in ("", None, [])}


def notice_of(message):
    """(status, notice DOI) of the notices Crossref lists for the work (``updated-by``)."""
    status, doi = NoticeStatus.NONE, ""
    for update in message.get("updated-by") or []:
        meaning = UPDATE_TYPES.get(str(update.get("type", "")).lower())
        if meaning and SEVERITY.index(meaning) >= SEVERITY.index(status):
            status, doi = meaning, update.get("DOI", "") or doi
    return status, doi
