"""The reference library: one entry per source, cited at most once per article."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from references.models import Reference
from references.normalize import normalize_url
from tests.references.factories import ReferenceFactory


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://pubmed.ncbi.nlm.nih.gov/20388094/", "https://pubmed.ncbi.nlm.nih.gov/20388094"),
        ("HTTPS://PubMed.NCBI.nlm.nih.gov/20388094", "https://pubmed.ncbi.nlm.nih.gov/20388094"),
        (
            "https://www.mdpi.com:443/2072-6643/13/2/463#sec1",
            "https://www.mdpi.com/2072-6643/13/2/463",
        ),
        ("http://example.org:8080/a/?q=1", "http://example.org:8080/a?q=1"),
    ],
)
def test_urls_are_normalised_before_comparing(url, normalised):
    assert normalize_url(url) == normalised


@pytest.mark.django_db
def test_the_same_source_entered_twice_is_refused_with_its_title():
    ReferenceFactory(title="Magnesium and aging", url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    again = Reference(title="Magnesium & aging", url="HTTPS://pubmed.ncbi.nlm.nih.gov/20388094")
    with pytest.raises(ValidationError) as error:
        again.full_clean()
    assert "already in the library as “Magnesium and aging”" in error.value.message_dict["url"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()


@pytest.mark.django_db
def test_site_defaults_to_the_host():
    reference = ReferenceFactory(url="https://www.ncbi.nlm.nih.gov/books/NBK507256/", site="")
    assert reference.site == "ncbi.nlm.nih.gov"


@pytest.mark.django_db
def test_identifiers_are_validated():
    reference = ReferenceFactory.build(doi="nu13020463", pmid="PMID20388094")
    with pytest.raises(ValidationError) as error:
        reference.full_clean()
    assert error.value.message_dict["doi"] == ["A DOI looks like 10.3390/nu13020463."]
    assert error.value.message_dict["pmid"] == ["A PubMed ID is a number, e.g. 20388094."]
