"""Bibliographic details looked up by identifier from NCBI E-utilities and Crossref (local
stand-ins answering in the services' documented shapes): batches, mapping to CSL-JSON,
retractions and corrections, and every way a service fails."""

import pytest

from references.metadata import fetch_records
from references.metadata.crossref import to_csl as crossref_to_csl
from references.models import MetadataSource, NoticeStatus

BARBAGALLO_2021 = {
    "type": "article-journal",
    "title": "Magnesium in Aging, Health and Diseases",
    "author": [
        {"family": "Barbagallo", "given": "M"},
        {"family": "Veronese", "given": "N"},
        {"family": "Dominguez", "given": "LJ"},
    ],
    "container-title": "Nutrients",
    "container-title-short": "Nutrients",
    "issued": {"date-parts": [[2021, 1, 30]]},
    "volume": "13",
    "issue": "2",
    "page": "463",
    "DOI": "10.3390/nu13020463",
    "PMID": "33573164",
    "PMCID": "PMC7912123",
}


def lookup(services, *wanted, **options):
    return fetch_records(list(wanted), **services, **options)


def test_a_pubmed_record_maps_onto_csl(metadata_server, services):
    [outcome] = lookup(services, {"pmid": "20388094"}, check_crossref=False)
    assert outcome.errors == []
    assert outcome.record.source == MetadataSource.PUBMED
    assert outcome.record.csl == {
        "type": "article-journal",
        "title": "Magnesium and aging",
        "author": [{"family": "Barbagallo", "given": "M"}, {"family": "Dominguez", "given": "LJ"}],
        "container-title": "Current pharmaceutical design",
        "container-title-short": "Curr Pharm Des",
        "issued": {"date-parts": [[2010]]},
        "PMID": "20388094",
    }
    assert outcome.notice.status == NoticeStatus.NONE


def test_many_pmids_are_fetched_in_one_request_with_ncbis_parameters(metadata_server, services):
    outcomes = lookup(services, {"pmid": "20388094"}, {"pmid": "33573164"}, check_crossref=False)
    assert [outcome.record.csl["PMID"] for outcome in outcomes] == ["20388094", "33573164"]
    assert outcomes[1].record.csl == BARBAGALLO_2021
    [query] = metadata_server.queries("/eutils/esummary.fcgi")
    assert query == {
        "db": "pubmed",
        "retmode": "json",
        "id": "20388094,33573164",
        "tool": "hslhealing",
        "email": "editors@example.org",
        "api_key": "test-key",
    }


def test_a_pmcid_is_read_through_pmc_to_its_pubmed_record(metadata_server, services):
    [outcome] = lookup(services, {"pmcid": "PMC7912123"}, check_crossref=False)
    assert outcome.record.source == MetadataSource.PUBMED
    assert outcome.record.csl == BARBAGALLO_2021
    assert [query["db"] for query in metadata_server.queries("/eutils/esummary.fcgi")] == [
        "pmc",
        "pubmed",
    ]
    assert metadata_server.queries("/eutils/esummary.fcgi")[0]["id"] == "7912123"


def test_a_doi_is_read_from_crossref_in_its_polite_pool(metadata_server, services):
    [outcome] = lookup(services, {"doi": "10.3390/nu13020463"})
    assert outcome.record.source == MetadataSource.CROSSREF
    assert outcome.record.csl == {
        "type": "article-journal",
        "title": "Magnesium in Aging, Health and Diseases",
        "author": [
            {"family": "Barbagallo", "given": "Mario"},
            {"family": "Veronese", "given": "Nicola"},
            {"family": "Dominguez", "given": "Ligia J."},
        ],
        "container-title": "Nutrients",
        "container-title-short": "Nutrients",
        "issued": {"date-parts": [[2021, 1, 30]]},
        "volume": "13",
        "issue": "2",
        "page": "463",
        "DOI": "10.3390/nu13020463",
    }
    [query] = metadata_server.queries("/crossref/works/10.3390/nu13020463")
    assert query == {"mailto": "editors@example.org"}


def test_a_retracted_publication_is_flagged_with_its_notice(metadata_server, services):
    retracted, corrected = lookup(
        services, {"pmid": "90000001"}, {"pmid": "90000003"}, check_crossref=False
    )
    assert retracted.notice.status == NoticeStatus.RETRACTED
    assert retracted.notice.url == "https://pubmed.ncbi.nlm.nih.gov/90000002/"
    assert retracted.record.csl["author"] == [
        {"family": "Example", "given": "AB"},
        {"literal": "Test Writing Group"},
    ]
    assert corrected.notice.status == NoticeStatus.CORRECTED
    assert corrected.notice.url == "https://pubmed.ncbi.nlm.nih.gov/90000004/"


def test_crossrefs_updated_by_retraction_outranks_a_correction(metadata_server, services):
    [outcome] = lookup(services, {"doi": "10.5555/test.retracted"})
    assert outcome.notice.status == NoticeStatus.RETRACTED
    assert outcome.notice.doi == "10.5555/test.retraction-notice"
    assert outcome.record.csl["author"][1] == {"literal": "Test Writing Group"}


def test_a_pubmed_paper_with_a_doi_is_checked_in_crossref_too(metadata_server, services):
    [outcome] = lookup(services, {"pmid": "90000003", "doi": "10.5555/test.retracted"})
    assert outcome.record.source == MetadataSource.PUBMED
    assert outcome.notice.status == NoticeStatus.RETRACTED
    assert outcome.notice.doi == "10.5555/test.retraction-notice"


def test_a_notice_itself_is_not_flagged(metadata_server, services):
    [outcome] = lookup(services, {"doi": "10.5555/test.retraction-notice"})
    assert outcome.notice.status == NoticeStatus.NONE


def test_an_unknown_pmid_and_doi_say_so(metadata_server, services):
    missing_pmid, missing_doi = lookup(services, {"pmid": "90000099"}, {"doi": "10.5555/none"})
    assert missing_pmid.record is None
    assert missing_pmid.error == "PubMed has no record of PMID 90000099."
    assert missing_doi.error == "Crossref has no record of DOI 10.5555/none."
    assert missing_doi.notice is None


def test_a_429_waits_what_retry_after_asks_then_retries(metadata_server, services, sleeps):
    [outcome] = lookup(services, {"doi": "10.5555/test.busy"})
    assert outcome.notice.status == NoticeStatus.RETRACTED
    assert 7 in sleeps
    assert len(metadata_server.queries("/crossref/works/10.5555/test.busy")) == 2


def test_a_retry_after_longer_than_an_editor_waits_fails_at_once(metadata_server, services, sleeps):
    [outcome] = lookup(services, {"doi": "10.5555/test.very-busy"})
    assert outcome.error == (
        "Crossref is busy or failing (HTTP 429) and asks to wait 120 seconds; try again later."
    )
    assert 120 not in sleeps
    assert len(metadata_server.queries("/crossref/works/10.5555/test.very-busy")) == 1


def test_ncbi_still_busy_after_the_retries_fails_every_reference_of_the_batch(
    metadata_server, services
):
    metadata_server.retry_after = "0"
    outcomes = lookup(services, {"pmid": "90000429"}, {"pmid": "20388094"}, check_crossref=False)
    assert [outcome.error for outcome in outcomes] == [
        "NCBI E-utilities is busy or failing (HTTP 429); try again later."
    ] * 2
    assert len(metadata_server.queries("/eutils/esummary.fcgi")) == 3  # two retries


def test_a_service_that_does_not_answer_in_time_times_out(metadata_server, services):
    services["crossref_service"].timeout = 0.2
    services["crossref_service"].retries = 0
    [outcome] = lookup(services, {"doi": "10.5555/test.slow"})
    assert outcome.error == "Crossref did not answer (timed out); try again later."


def test_a_service_that_is_down_is_unreachable(services, closed_port, settings):
    settings.HSL_CROSSREF_API_URL = f"http://127.0.0.1:{closed_port}/"
    [outcome] = lookup(services, {"doi": "10.3390/nu13020463"})
    assert outcome.error == "Crossref did not answer (connection refused); try again later."


def test_requests_are_spaced_by_the_services_rate_limit(metadata_server, sleeps, settings):
    from references.metadata import crossref

    settings.HSL_CONTACT_EMAIL = ""
    clock = iter([0.0, 0.0, 0.0]).__next__
    service = crossref.service(sleep=sleeps, clock=clock)
    assert service.min_interval == pytest.approx(0.2)
    for _ in range(3):
        service.wait_for_turn()
    assert sleeps == [0.2, 0.4]


def test_nothing_to_look_up_says_so(services):
    [bookshelf, nothing] = lookup(services, {"bookshelf_id": "NBK507256"}, {})
    assert bookshelf.error == "NCBI Bookshelf records are not looked up; type the details."
    assert nothing.error == "There is no PMID, PMC ID or DOI to look up."


def test_a_crossref_book_chapter_keeps_its_book_and_editors():
    item = crossref_to_csl(
        {
            "type": "book-chapter",
            "title": ["Test record: a chapter"],
            "container-title": ["Test record: the book"],
            "editor": [{"family": "Example", "given": "Ann"}],
            "publisher": "Test Press",
            "publisher-location": "Testville",
            "issued": {"date-parts": [[2011]]},
        }
    )
    assert item == {
        "type": "chapter",
        "title": "Test record: a chapter",
        "editor": [{"family": "Example", "given": "Ann"}],
        "container-title": "Test record: the book",
        "issued": {"date-parts": [[2011]]},
        "publisher": "Test Press",
        "publisher-place": "Testville",
    }
