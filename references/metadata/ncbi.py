"""
PubMed and PubMed Central records from NCBI E-utilities ``esummary`` (``retmode=json``), many
ids per request, with NCBI's ``tool``, ``email`` and ``api_key`` parameters.

A PubMed summary (``result[<pmid>]``) maps onto CSL-JSON: ``authors[].name`` "Wessells KR"
(family name, then initials), ``title``, ``fulljournalname`` and ``source`` (the journal and its
NLM abbreviation), ``pubdate`` ("2012 Nov 29", "2010 Spring": only what it states), ``volume``,
``issue``, ``pages``, ``elocationid`` and ``articleids`` (DOI, PMC ID).

Notices: ``pubtype`` "Retracted Publication" marks a retracted paper; ``references[]`` with
``reftype`` "Retraction in", "Expression of concern in", "Erratum in" … name the notice (its
PMID). A record that *is* a notice (pubtype "Retraction of Publication", "Published Erratum",
"Expression of Concern") is not itself flagged: the paper it concerns is.

A PMC ID is looked up in ``db=pmc`` (whose uids are the number without "PMC"), which gives the
paper's PMID; its PubMed record is then used, or, for a paper PubMed does not hold, the PMC
summary itself.
"""

from urllib.parse import urlencode, urljoin

from django.conf import settings

from .. import csl
from ..models import MetadataSource, NoticeStatus
from .http import BadResponse, Service

#: Ids per esummary request: NCBI asks for POST above about 200.
BATCH = 200
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"

#: PubMed's related-record types that are notices about the paper, and what they mean.
NOTICE_REFTYPES = {
    "retraction in": NoticeStatus.RETRACTED,
    "retracted and republished in": NoticeStatus.RETRACTED,
    "partial retraction in": NoticeStatus.RETRACTED,
    "expression of concern in": NoticeStatus.CONCERN,
    "erratum in": NoticeStatus.CORRECTED,
    "corrected and republished in": NoticeStatus.CORRECTED,
}
SEVERITY = [NoticeStatus.NONE, NoticeStatus.CORRECTED, NoticeStatus.CONCERN, NoticeStatus.RETRACTED]


def service(**options):
    """NCBI, spaced to 3 requests a second, or 10 with an API key."""
    interval = 0.1 if settings.HSL_NCBI_API_KEY else 1 / 3
    return Service("NCBI E-utilities", min_interval=interval, **options)


def esummary_url(db, ids):
    params = {"db": db, "retmode": "json", "id": ",".join(ids), "tool": "hslhealing"}
    if settings.HSL_CONTACT_EMAIL:
        params["email"] = settings.HSL_CONTACT_EMAIL
    if settings.HSL_NCBI_API_KEY:
        params["api_key"] = settings.HSL_NCBI_API_KEY
    return urljoin(settings.HSL_NCBI_EUTILS_URL, "esummary.fcgi") + "?" + urlencode(params)


def summaries(ids, *, db, client):
    """{uid: summary} for the `ids` esummary holds (an id it does not hold is left out), in
    requests of `BATCH` ids."""
    found = {}
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), BATCH):
        answer = client.get_json(esummary_url(db, ids[start : start + BATCH]))
        result = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(result, dict):
            message = answer.get("error") if isinstance(answer, dict) else None
            raise BadResponse(f"NCBI answered without summaries ({message or 'no result'}).")
        for uid in result.get("uids", []):
            summary = result.get(str(uid))
            if isinstance(summary, dict) and not summary.get("error"):
                found[str(uid)] = summary
    return found


def article_id(summary, idtype):
    for entry in summary.get("articleids") or []:
        if entry.get("idtype") == idtype and entry.get("value"):
            return str(entry["value"]).strip()
    return ""


def to_csl(summary, *, source=MetadataSource.PUBMED):
    """One esummary document (PubMed or PMC) as a CSL-JSON item."""
    year, month, day = csl.parse_text_date(summary.get("pubdate") or summary.get("epubdate") or "")
    doi = article_id(summary, "doi")
    if not doi and (elocation := summary.get("elocationid") or "").startswith("doi:"):
        doi = elocation.removeprefix("doi:").strip()
    if source == MetadataSource.PMC:
        pmid, pmcid = article_id(summary, "pmid"), article_id(summary, "pmcid")
    else:
        pmid, pmcid = str(summary.get("uid", "")), article_id(summary, "pmc")
    title = " ".join((summary.get("title") or "").split())
    item = {
        "type": "article-journal",
        "title": title[:-1] if title.endswith(".") else title,
        "author": [
            csl.name_from_display(author["name"])
            for author in summary.get("authors") or []
            if author.get("name") and author.get("authtype", "Author") in ("Author", "")
        ]
        + [
            {"literal": author["name"]}
            for author in summary.get("authors") or []
            if author.get("name") and author.get("authtype") == "CollectiveName"
        ],
        "container-title": summary.get("fulljournalname") or summary.get("source") or "",
        "container-title-short": summary.get("source") or "",
        "issued": csl.date_parts(year, month, day),
        "volume": summary.get("volume") or "",
        "issue": summary.get("issue") or "",
        "page": summary.get("pages") or "",
        "DOI": doi,
        "PMID": pmid,
        "PMCID": pmcid.removeprefix("pmc-id:").split(";")[0].strip(),
    }
    return {key: value for key, value in item.items() if value not in ("", None, [])}


def notice_of(summary):
    """(status, notice address) of what PubMed records about the paper afterwards."""
    status, url = NoticeStatus.NONE, ""
    if "Retracted Publication" in (summary.get("pubtype") or []):
        status = NoticeStatus.RETRACTED
    for related in summary.get("references") or []:
        meaning = NOTICE_REFTYPES.get(str(related.get("reftype", "")).strip().lower())
        if meaning and SEVERITY.index(meaning) >= SEVERITY.index(status):
            status = meaning
            url = PUBMED_URL.format(related["pmid"]) if related.get("pmid") else url
    return status, url
