"""Lookups go through the outbound guard (references/outbound.py), as link checks do: a base
URL naming an address inside the network is not asked unless `HSL_OUTBOUND_ALLOWED_HOSTS` names
it, and the editor who pressed "Fetch details" reads why, with nothing lost."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from references.models import Reference

pytestmark = pytest.mark.django_db

ADD = reverse("admin:references_reference_add")


@pytest.fixture
def guarded(metadata_server, settings):
    """The NCBI and Crossref stand-ins are up on 127.0.0.1, and the guard allows nothing."""
    settings.OUTBOUND_ALLOWED_HOSTS = []
    return metadata_server


def test_fetch_details_from_a_refused_address_says_why_and_asks_nothing(guarded, editor_client):
    response = editor_client.post(ADD, {"lookup_identifier": "PMID: 33573164", "_fetch": "1"})
    assert response.status_code == 200
    assert Reference.objects.count() == 0
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("The details could not be fetched: NCBI E-utilities was not asked:")
    assert "127.0.0.1" in errors[0]
    assert "HSL_OUTBOUND_ALLOWED_HOSTS" in errors[0]
    assert guarded.requests == []


def test_a_refused_doi_lookup_says_crossref_was_not_asked(guarded, editor_client):
    response = editor_client.post(ADD, {"lookup_identifier": "10.3390/nu13020463", "_fetch": "1"})
    (error,) = response.context["adminform"].form.non_field_errors()
    assert error.startswith("The details could not be fetched: Crossref was not asked:")
    assert guarded.requests == []


def test_saving_with_a_refused_lookup_keeps_what_the_editor_typed(guarded, editor_client):
    response = editor_client.post(
        ADD,
        {
            "reference_type": "webpage",
            "title": "Magnesium and aging",
            "url": "https://pubmed.ncbi.nlm.nih.gov/20388094/",
        },
        follow=True,
    )
    reference = Reference.objects.get()
    assert (reference.title, reference.pmid) == ("Magnesium and aging", "20388094")
    assert not reference.has_bibliographic_details()
    (warning,) = [
        str(message)
        for message in get_messages(response.wsgi_request)
        if "could not be fetched" in str(message)
    ]
    assert "NCBI E-utilities was not asked:" in warning
    assert guarded.requests == []


def test_the_same_lookup_is_made_once_the_address_is_allowed(guarded, editor_client, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = [guarded.address]
    response = editor_client.post(ADD, {"lookup_identifier": "PMID: 33573164", "_fetch": "1"})
    assert response.status_code == 302
    assert Reference.objects.get().title == "Magnesium in Aging, Health and Diseases"
    assert guarded.queries("/eutils/esummary.fcgi")
