"""Details fetched, not typed: the admin's "Fetch details", filling on save, the bulk action
and `manage.py refresh_references`, against local stand-ins for NCBI and Crossref."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse

from references.models import MetadataSource, NoticeStatus, Reference
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:references_reference_add")
CHANGELIST = reverse("admin:references_reference_changelist")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_fetch_details_fills_a_new_reference_from_a_pasted_pmid(metadata_server, editor_client):
    response = editor_client.post(ADD, {"lookup_identifier": "PMID: 33573164", "_fetch": "1"})
    reference = Reference.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:references_reference_change", args=[reference.pk])
    assert reference.title == "Magnesium in Aging, Health and Diseases"
    assert reference.url == "https://doi.org/10.3390/nu13020463"
    assert (reference.pmid, reference.pmcid) == ("33573164", "PMC7912123")
    assert reference.metadata_source == MetadataSource.PUBMED
    assert reference.notice_status == NoticeStatus.NONE
    assert reference.citation_text().startswith(
        "Barbagallo M, Veronese N, Dominguez LJ. Magnesium in Aging, Health and Diseases. "
        "Nutrients. 2021 Jan 30;13(2):463. doi:10.3390/nu13020463"
    )
    assert messages_of(response) == ["Details fetched from PubMed (NCBI); check them."]


def test_fetch_details_reads_the_identifier_in_a_pasted_address(metadata_server, editor_client):
    editor_client.post(
        ADD,
        {"lookup_identifier": "https://pmc.ncbi.nlm.nih.gov/articles/PMC7912123/", "_fetch": "1"},
    )
    assert Reference.objects.get().container_title_short == "Nutrients"


def test_fetch_details_replaces_what_the_form_holds_and_keeps_the_address(
    metadata_server, editor_client
):
    reference = ReferenceFactory(
        title="Magnesium and aging", url="https://pubmed.ncbi.nlm.nih.gov/20388094/"
    )
    change = reverse("admin:references_reference_change", args=[reference.pk])
    response = editor_client.post(
        change,
        {
            "reference_type": "webpage",
            "title": "Typed title",
            "url": reference.url,
            "container_title": "Brain Research Bulletin",
            "_fetch": "1",
        },
    )
    assert response.status_code == 302
    reference.refresh_from_db()
    assert reference.container_title == "Current pharmaceutical design"
    assert reference.title == "Magnesium and aging"
    assert reference.reference_type == "article-journal"
    assert reference.url == "https://pubmed.ncbi.nlm.nih.gov/20388094/"


def test_a_failed_fetch_saves_nothing_and_says_why(metadata_server, editor_client):
    response = editor_client.post(ADD, {"lookup_identifier": "10.5555/none", "_fetch": "1"})
    assert response.status_code == 200
    assert Reference.objects.count() == 0
    assert (
        "The details could not be fetched: Crossref has no record of DOI 10.5555/none."
        in response.content.decode()
    )


def test_pasting_something_that_is_no_identifier_is_refused(editor_client):
    response = editor_client.post(ADD, {"lookup_identifier": "not an id", "_fetch": "1"})
    assert "No PMID, PMC ID or DOI found in this." in response.content.decode()


def test_saving_a_reference_with_an_identifier_and_no_details_fills_them(
    metadata_server, editor_client
):
    editor_client.post(
        ADD,
        {
            "reference_type": "webpage",
            "title": "Magnesium and aging",
            "url": "https://pubmed.ncbi.nlm.nih.gov/20388094/",
            "site": "PubMed",
        },
    )
    reference = Reference.objects.get()
    assert reference.authors == [
        {"family": "Barbagallo", "given": "M"},
        {"family": "Dominguez", "given": "LJ"},
    ]
    assert reference.site == "PubMed"
    assert reference.issued_year == 2010


def test_saving_goes_ahead_when_the_service_is_down(settings, closed_port, editor_client):
    settings.HSL_NCBI_EUTILS_URL = f"http://127.0.0.1:{closed_port}/"
    response = editor_client.post(
        ADD,
        {
            "reference_type": "webpage",
            "title": "Magnesium and aging",
            "url": "https://pubmed.ncbi.nlm.nih.gov/20388094/",
        },
        follow=True,
    )
    assert Reference.objects.get().title == "Magnesium and aging"
    assert (
        "The details could not be fetched: NCBI E-utilities did not answer (connection "
        "refused); try again later." in messages_of(response)
    )


def test_a_retracted_paper_is_flagged_and_filtered(metadata_server, admin_client):
    ReferenceFactory(title="Trial", url="https://pubmed.ncbi.nlm.nih.gov/90000001/")
    ReferenceFactory(title="Fine", url="https://doi.org/10.3390/nu13020463")
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "fetch_details",
            ACTION_CHECKBOX_NAME: list(Reference.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    assert (
        "Looked up 2 references: 2 filled, 1 retracted, 0 failed; 0 without a PMID, PMC ID or "
        "DOI." in messages_of(response)
    )
    retracted = Reference.objects.get(pmid="90000001")
    assert retracted.notice_status == NoticeStatus.RETRACTED
    assert retracted.notice_doi == "10.5555/test.retraction-notice"
    assert retracted.notice_link() == "https://pubmed.ncbi.nlm.nih.gov/90000002/"
    listed = admin_client.get(CHANGELIST, {"notice_status__exact": "retracted"})
    assert [r.pk for r in listed.context["cl"].result_list] == [retracted.pk]


def refresh(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("refresh_references", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue().strip(), err.getvalue().strip()


def test_refresh_references_does_the_library_in_batches(metadata_server):
    ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/33573164/")
    ReferenceFactory(url="https://example.org/no-identifier")
    code, out, err = refresh()
    assert code == 0
    assert out == (
        "Looked up 2 references: 2 filled, 0 retracted, 0 with an expression of concern, "
        "0 corrected, 0 failed; 1 skipped."
    )
    assert err == ""
    assert len(metadata_server.queries("/eutils/esummary.fcgi")) == 1
    assert Reference.objects.filter(issued_year__isnull=False).count() == 2


def test_refresh_references_missing_only_leaves_filled_ones(metadata_server):
    ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/20388094/", container_title="Typed")
    code, out, _err = refresh("--missing-only")
    assert code == 0
    assert out.startswith("Looked up 0 references")
    assert metadata_server.requests == []


def test_refresh_references_fails_with_one_line_per_failure(metadata_server):
    reference = ReferenceFactory(title="Gone", url="https://pubmed.ncbi.nlm.nih.gov/90000099/")
    code, out, err = refresh()
    assert code == 1
    assert err == f"Failed: Gone (#{reference.pk}): PubMed has no record of PMID 90000099."
    assert out.endswith("1 failed; 0 skipped.")


def test_refresh_references_refuses_a_batch_larger_than_ncbi_takes():
    with pytest.raises(CommandError, match="must be 1 to 200"):
        call_command("refresh_references", "--batch-size", "500")
