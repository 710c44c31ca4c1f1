"""
References looked up by identifier, a library at a time: one esummary request per 200 PMIDs
(and one per 200 PMC IDs that have no PMID yet), one Crossref request per DOI.

Which record fills a reference: PubMed's when it has a PMID (or a PMC ID PubMed knows), else
PubMed Central's, else Crossref's. Notices come from every source that answered: PubMed's
publication types and related records, and, when the paper has a DOI, Crossref's update
relations; the most serious one wins.
"""

from dataclasses import dataclass, field

from ..models import MetadataSource
from . import crossref, ncbi
from .http import LookupFailed


@dataclass(frozen=True)
class Notice:
    """What was published about a paper afterwards, and where to read it."""

    status: str
    doi: str = ""
    url: str = ""


@dataclass(frozen=True)
class Record:
    """A reference's details as one CSL-JSON item, and the service they came from."""

    csl: dict
    source: str


@dataclass
class Outcome:
    """What looking up one reference gave: a record, a notice (None when no source could
    check), and one line for each thing that failed."""

    record: Record | None = None
    notice: Notice | None = None
    errors: list = field(default_factory=list)

    @property
    def error(self):
        return " ".join(self.errors)


def most_serious(notices):
    """The most serious notice, with the DOI and address every source gave for it."""
    worst = max(notices, key=lambda notice: ncbi.SEVERITY.index(notice.status))
    same = [notice for notice in notices if notice.status == worst.status]
    return Notice(
        worst.status,
        doi=next((notice.doi for notice in same if notice.doi), ""),
        url=next((notice.url for notice in same if notice.url), ""),
    )


def pmc_number(pmcid):
    return pmcid.upper().removeprefix("PMC")


def fetch_records(
    wanted, *, ncbi_service=None, crossref_service=None, check_crossref=True, on_progress=None
):
    """Look up each of `wanted` (dicts of identifiers: ``pmid``, ``pmcid``, ``doi``,
    ``bookshelf_id``) and return one `Outcome` each, in order. Never raises a `LookupFailed`:
    a failure is told in the outcomes it concerns. ``on_progress(done, total)`` is called as
    references are finished."""
    ncbi_service = ncbi_service or ncbi.service()
    crossref_service = crossref_service or crossref.service()
    wanted = [{key: (value or "").strip() for key, value in ids.items()} for ids in wanted]

    pmc_ids = [
        pmc_number(ids["pmcid"]) for ids in wanted if ids.get("pmcid") and not ids.get("pmid")
    ]
    pmc_docs, pmc_error = batch(ncbi.summaries, pmc_ids, db="pmc", client=ncbi_service)
    pmids = []
    for ids in wanted:
        pmid = ids.get("pmid", "")
        if not pmid and ids.get("pmcid"):
            pmid = ncbi.article_id(pmc_docs.get(pmc_number(ids["pmcid"]), {}), "pmid")
        pmids.append(pmid)
    pubmed_docs, pubmed_error = batch(
        ncbi.summaries, [pmid for pmid in pmids if pmid], db="pubmed", client=ncbi_service
    )

    outcomes = []
    for done, (ids, pmid) in enumerate(zip(wanted, pmids, strict=True), start=1):
        outcome, notices = Outcome(), []
        if pmid:
            if summary := pubmed_docs.get(pmid):
                outcome.record = Record(ncbi.to_csl(summary), MetadataSource.PUBMED)
                status, url = ncbi.notice_of(summary)
                notices.append(Notice(status, url=url))
            else:
                outcome.errors.append(pubmed_error or f"PubMed has no record of PMID {pmid}.")
        elif ids.get("pmcid"):
            if summary := pmc_docs.get(pmc_number(ids["pmcid"])):
                csl = ncbi.to_csl(summary, source=MetadataSource.PMC)
                outcome.record = Record(csl, MetadataSource.PMC)
            else:
                outcome.errors.append(
                    pmc_error or f"PubMed Central has no record of {ids['pmcid']}."
                )
        doi = ids.get("doi") or (outcome.record.csl.get("DOI", "") if outcome.record else "")
        if doi and (outcome.record is None or check_crossref):
            try:
                message = crossref.work(doi, client=crossref_service)
            except LookupFailed as error:
                outcome.errors.append(str(error))
            else:
                if outcome.record is None:
                    outcome.record = Record(crossref.to_csl(message), MetadataSource.CROSSREF)
                status, notice_doi = crossref.notice_of(message)
                notices.append(Notice(status, doi=notice_doi))
        if not (pmid or ids.get("pmcid") or doi):
            outcome.errors.append(
                "NCBI Bookshelf records are not looked up; type the details."
                if ids.get("bookshelf_id")
                else "There is no PMID, PMC ID or DOI to look up."
            )
        outcome.notice = most_serious(notices) if notices else None
        outcomes.append(outcome)
        if on_progress:
            on_progress(done, len(wanted))
    return outcomes


def batch(function, ids, **options):
    """(answers, error message): `function`'s answers, or {} and why it failed."""
    if not ids:
        return {}, ""
    try:
        return function(ids, **options), ""
    except LookupFailed as error:
        return {}, str(error)
