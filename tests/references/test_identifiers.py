"""Identifiers read from a reference's address, and filled in when a reference is saved."""

import pytest

from references.identifiers import Identifiers, identifiers_from_url
from tests.references.factories import ReferenceFactory

#: Every address in the reference list of the source article
#: (/work/shared/content/magnesium-glycinate-nerve-conduction.txt), and what it states.
SOURCE_ARTICLE = [
    ("https://pubmed.ncbi.nlm.nih.gov/20388094/", Identifiers(pmid="20388094")),
    # MDPI addresses do not contain the DOI (10.3390/nu13020463): none is guessed.
    ("https://www.mdpi.com/2072-6643/13/2/463", Identifiers()),
    ("https://www.sciencedirect.com/science/article/pii/S0896627309010447", Identifiers()),
    ("https://pubmed.ncbi.nlm.nih.gov/28445426/", Identifiers(pmid="28445426")),
    ("https://www.ncbi.nlm.nih.gov/books/NBK507256/", Identifiers(bookshelf_id="NBK507256")),
    ("https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/", Identifiers(pmcid="PMC4321727")),
]

OTHER_SHAPES = [
    # PubMed
    ("https://pubmed.ncbi.nlm.nih.gov/20388094", Identifiers(pmid="20388094")),
    ("https://www.ncbi.nlm.nih.gov/pubmed/20388094", Identifiers(pmid="20388094")),
    ("http://ncbi.nlm.nih.gov/pubmed/20388094/", Identifiers(pmid="20388094")),
    ("https://europepmc.org/article/MED/20388094", Identifiers(pmid="20388094")),
    ("https://pubmed.ncbi.nlm.nih.gov/?term=magnesium", Identifiers()),
    # PubMed Central
    ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC4321727/", Identifiers(pmcid="PMC4321727")),
    ("https://pmc.ncbi.nlm.nih.gov/articles/pmc4321727", Identifiers(pmcid="PMC4321727")),
    (
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC4321727/pdf/nihms-123.pdf",
        Identifiers(pmcid="PMC4321727"),
    ),
    ("https://europepmc.org/article/PMC/PMC4321727", Identifiers(pmcid="PMC4321727")),
    # NCBI Bookshelf
    ("https://www.ncbi.nlm.nih.gov/books/NBK507256", Identifiers(bookshelf_id="NBK507256")),
    ("https://www.ncbi.nlm.nih.gov/books/n/statpearls/article-24607/", Identifiers()),
    # DOI links
    ("https://doi.org/10.3390/nu13020463", Identifiers(doi="10.3390/nu13020463")),
    ("http://dx.doi.org/10.3390/nu13020463", Identifiers(doi="10.3390/nu13020463")),
    ("https://doi.org/10.1002%2Fjcp.24861", Identifiers(doi="10.1002/jcp.24861")),
    (
        "https://doi.org/10.1016/S0896-6273(09)01044-7",
        Identifiers(doi="10.1016/S0896-6273(09)01044-7"),
    ),
    ("https://doi.org/", Identifiers()),
    # DOIs inside publisher addresses
    (
        "https://link.springer.com/article/10.1007/s12011-020-02345-3",
        Identifiers(doi="10.1007/s12011-020-02345-3"),
    ),
    (
        "https://link.springer.com/content/pdf/10.1007/s12011-020-02345-3.pdf",
        Identifiers(doi="10.1007/s12011-020-02345-3"),
    ),
    ("https://onlinelibrary.wiley.com/doi/10.1002/jcp.24861", Identifiers(doi="10.1002/jcp.24861")),
    (
        "https://onlinelibrary.wiley.com/doi/full/10.1002/jcp.24861",
        Identifiers(doi="10.1002/jcp.24861"),
    ),
    (
        "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0180067",
        Identifiers(doi="10.1371/journal.pone.0180067"),
    ),
    (
        "https://www.frontiersin.org/articles/10.3389/fnut.2021.710221/full",
        Identifiers(doi="10.3389/fnut.2021.710221"),
    ),
    (
        "https://www.tandfonline.com/doi/abs/10.1080/07315724.2017.1398686",
        Identifiers(doi="10.1080/07315724.2017.1398686"),
    ),
    # Nothing to read
    ("https://www.nature.com/articles/s41598-020-12345-6", Identifiers()),
    ("https://example.org/10.1234", Identifiers()),
    ("not a url", Identifiers()),
    ("http://[broken", Identifiers()),
]


@pytest.mark.parametrize(("url", "expected"), SOURCE_ARTICLE + OTHER_SHAPES)
def test_identifiers_are_read_from_the_address(url, expected):
    assert identifiers_from_url(url) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "expected"), SOURCE_ARTICLE)
def test_saving_a_reference_fills_its_identifiers(url, expected):
    reference = ReferenceFactory(url=url)
    stored = {
        field: getattr(reference, field) for field in ("doi", "pmid", "pmcid", "bookshelf_id")
    }
    assert stored == {"doi": "", "pmid": "", "pmcid": "", "bookshelf_id": ""} | dict(
        expected.items()
    )


@pytest.mark.django_db
def test_an_identifier_the_editor_entered_is_kept():
    reference = ReferenceFactory(
        url="https://www.mdpi.com/2072-6643/13/2/463", doi="10.3390/nu13020463"
    )
    reference.url = "https://doi.org/10.3390/nu13020464"
    reference.save()
    assert reference.doi == "10.3390/nu13020463"


@pytest.mark.django_db
def test_an_identifier_read_from_the_old_address_follows_a_new_one():
    reference = ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    reference.url = "https://pubmed.ncbi.nlm.nih.gov/28445426/"
    reference.save()
    assert reference.pmid == "28445426"


@pytest.mark.django_db
def test_an_identifier_stays_when_the_new_address_states_none():
    reference = ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    reference.url = "https://www.mdpi.com/2072-6643/2/4/1"
    reference.save()
    assert reference.pmid == "20388094"


@pytest.mark.django_db
def test_filled_identifiers_pass_validation():
    reference = ReferenceFactory(url="https://doi.org/10.1016/S0896-6273(09)01044-7")
    reference.full_clean()
