"""A reference is a bibliographic record that maps one to one onto CSL-JSON, validated in words
an editor reads."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from references import csl
from references.models import MetadataSource, Reference, ReferenceType
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

ITEM = {
    "type": "chapter",
    "title": "Test record: a chapter",
    "author": [{"family": "Example", "given": "AB"}, {"literal": "Test Writing Group"}],
    "editor": [{"family": "Sample", "given": "C", "suffix": "Jr"}],
    "container-title": "Test record: the book",
    "issued": {"date-parts": [[2011, 5]]},
    "page": "10-19",
    "publisher": "Test Press",
    "publisher-place": "Testville",
    "DOI": "10.5555/test.chapter",
    "PMID": "90000010",
    "PMCID": "PMC90000010",
    "URL": "https://example.org/chapter",
    "accessed": {"date-parts": [[2025, 1, 8]]},
    "custom": {"bookshelf-id": "NBK90000010"},
}


def test_a_csl_item_round_trips_through_a_saved_reference():
    reference = Reference.from_csl(ITEM)
    reference.full_clean()
    reference.save()
    reference.refresh_from_db()
    assert reference.metadata_source == MetadataSource.FILE
    assert reference.retrieved_on == datetime.date(2025, 1, 8)
    assert reference.to_csl() == {**ITEM, "id": str(reference.pk)}


def test_existing_references_keep_their_title_address_and_site():
    reference = ReferenceFactory(title="Magnesium", url="https://example.org/mg", site="")
    assert reference.reference_type == ReferenceType.WEBPAGE
    assert reference.to_csl()["publisher"] == "example.org"
    reference.reference_type = ReferenceType.JOURNAL_ARTICLE
    assert "publisher" not in reference.to_csl()


def test_only_the_parts_of_a_date_the_source_states_are_kept():
    assert csl.parse_text_date("2012 Nov 29") == (2012, 11, 29)
    assert csl.parse_text_date("2010 Spring") == (2010, None, None)
    assert csl.parse_text_date("2024 Jan-Feb") == (2024, None, None)
    assert csl.parse_text_date("2021-01-30") == (2021, 1, 30)
    assert csl.parse_text_date("2021") == (2021, None, None)
    assert csl.parts_of({"date-parts": [[2023, 2, 30]]}) == (2023, 2, None)
    assert csl.date_parts(2010) == {"date-parts": [[2010]]}


def test_names_that_are_not_csl_names_are_refused_in_words():
    reference = ReferenceFactory.build(
        authors=[{"given": "KR"}, {"family": "Brown", "literal": "Brown KH"}, "Smith J"]
    )
    with pytest.raises(ValidationError) as caught:
        reference.full_clean()
    assert caught.value.message_dict["authors"] == [
        "Name 1 needs a family name (or a literal name for an organisation).",
        "Name 2: give either a family name or a literal name, not both.",
        "Name 3 is not a name object.",
    ]


def test_a_day_that_does_not_exist_is_refused():
    reference = ReferenceFactory.build(issued_year=2023, issued_month=2, issued_day=30)
    with pytest.raises(ValidationError) as caught:
        reference.full_clean()
    assert caught.value.message_dict["issued_day"] == ["That day does not exist in that month."]


def test_the_database_refuses_a_month_without_a_year():
    with pytest.raises(IntegrityError):
        ReferenceFactory(issued_month=5)


def test_applying_a_record_fills_only_what_is_empty_when_asked():
    reference = ReferenceFactory.build(container_title="Typed journal", issued_year=2009)
    changed = reference.apply_csl(ITEM, only_empty=True)
    assert reference.container_title == "Typed journal"
    assert (reference.issued_year, reference.issued_month) == (2009, None)
    assert reference.authors == ITEM["author"]
    assert "container_title" not in changed
    reference.apply_csl(ITEM)
    assert (reference.container_title, reference.issued_year) == ("Test record: the book", 2011)
