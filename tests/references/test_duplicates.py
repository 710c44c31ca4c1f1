"""One source entered twice: normalised addresses, duplicate groups, merging, and the data
migration that brings existing references up to the new normalisation."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from references import services
from references.models import Reference
from references.normalize import normalize_url
from tests.references.factories import ReferenceFactory
from tests.references.standalone import needs_migration_history

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        (
            "https://example.org/a?utm_source=news&utm_medium=email&id=3",
            "https://example.org/a?id=3",
        ),
        ("https://example.org/a?fbclid=x&gclid=y&mc_cid=1&mc_eid=2", "https://example.org/a"),
        ("https://example.org/a?UTM_Campaign=x&_ga=1&msclkid=2", "https://example.org/a"),
        ("https://example.org/a?b=2&a=1&c=3", "https://example.org/a?a=1&b=2&c=3"),
        ("https://example.org/a?tag=2&tag=1", "https://example.org/a?tag=2&tag=1"),
        (
            "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0180067&utm_x=1",
            "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0180067",
        ),
        ("HTTPS://Example.ORG:443/a/#top", "https://example.org/a"),
        ("http://example.org:80/", "http://example.org"),
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_tracking_parameters_and_their_order_do_not_make_a_new_address(url, normalised):
    assert normalize_url(url) == normalised


def test_addresses_that_may_be_different_pages_stay_apart():
    assert normalize_url("http://example.org/a") != normalize_url("https://example.org/a")
    assert normalize_url("https://example.org/a?id=1") != normalize_url("https://example.org/a")
    assert normalize_url("https://example.org/A") != normalize_url("https://example.org/a")


# Finding duplicates.


def group_titles():
    return [sorted(r.title for r in group) for group in Reference.objects.duplicate_groups()]


def test_references_sharing_an_identifier_are_grouped():
    ReferenceFactory(title="A", url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    ReferenceFactory(title="B", url="https://www.ncbi.nlm.nih.gov/pubmed/20388094")
    ReferenceFactory(
        title="C", url="https://www.mdpi.com/2072-6643/13/2/463", doi="10.3390/NU13020463"
    )
    ReferenceFactory(title="D", url="https://doi.org/10.3390/nu13020463")
    ReferenceFactory(title="E", url="https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/")
    ReferenceFactory(title="F", url="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC4321727/")
    ReferenceFactory(title="G", url="https://www.ncbi.nlm.nih.gov/books/NBK507256/")
    ReferenceFactory(title="H", url="https://example.org/statpearls", bookshelf_id="NBK507256")
    ReferenceFactory(title="Alone", url="https://pubmed.ncbi.nlm.nih.gov/28445426/")
    assert sorted(group_titles()) == [["A", "B"], ["C", "D"], ["E", "F"], ["G", "H"]]


def test_references_are_grouped_through_what_they_share():
    """A shares a DOI with B, B a PMC ID with C, C a Bookshelf ID with D: one source."""
    ReferenceFactory(title="A", url="https://example.org/a", doi="10.1000/x")
    ReferenceFactory(title="B", url="https://doi.org/10.1000/x", pmcid="PMC1")
    ReferenceFactory(title="C", url="https://example.org/c", pmcid="PMC1", bookshelf_id="NBK1")
    ReferenceFactory(title="D", url="https://example.org/d", bookshelf_id="NBK1")
    ReferenceFactory(title="E", url="https://example.org/e", doi="10.1000/y")
    assert group_titles() == [["A", "B", "C", "D"]]


def test_references_whose_addresses_normalise_alike_are_grouped():
    """Two rows left with different stored values by the data migration still show up."""
    first = ReferenceFactory(title="A", url="https://example.org/a?id=1")
    second = ReferenceFactory(title="B", url="https://example.org/b")
    Reference.objects.filter(pk=second.pk).update(
        url="https://example.org/a?utm_source=x&id=1",
        normalized_url="https://example.org/a?utm_source=x&id=1",
    )
    assert group_titles() == [["A", "B"]]
    assert set(Reference.objects.possible_duplicates()) == {first, second}


def test_a_new_reference_lists_its_possible_duplicates():
    original = ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    again = ReferenceFactory(url="https://www.ncbi.nlm.nih.gov/pubmed/20388094/")
    assert list(again.possible_duplicates()) == [original]
    assert list(ReferenceFactory(url="https://example.org/x").possible_duplicates()) == []


# Merging.


def test_a_reference_cannot_be_merged_into_itself():
    reference = ReferenceFactory()
    with pytest.raises(ValidationError, match="at least one other reference"):
        services.merge_references(keep=reference, others=[reference])


# The data migration.


def run_data_migration():
    migration = importlib.import_module(
        "references.migrations.0003_renormalize_urls_and_read_identifiers"
    )
    state = MigrationLoader(connection).project_state(
        ("references", "0002_identifiers_and_link_health")
    )
    migration.renormalize_and_read_identifiers(state.apps, None)


@needs_migration_history
def test_the_data_migration_renormalises_and_reads_identifiers():
    tracked = ReferenceFactory(url="https://example.org/a")
    pubmed = ReferenceFactory(url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    # As they were stored before: the old normalisation kept the query as it was.
    old = "https://example.org/a?utm_source=x&b=2&a=1"
    Reference.objects.filter(pk=tracked.pk).update(url=old, normalized_url=old)
    Reference.objects.filter(pk=pubmed.pk).update(pmid="")
    run_data_migration()
    tracked.refresh_from_db()
    pubmed.refresh_from_db()
    assert tracked.normalized_url == "https://example.org/a?a=1&b=2"
    assert pubmed.pmid == "20388094"


@needs_migration_history
def test_the_data_migration_leaves_collisions_to_the_duplicates_page():
    first = ReferenceFactory(title="First", url="https://example.org/a?id=1")
    second = ReferenceFactory(title="Second", url="https://example.org/b")
    third = ReferenceFactory(title="Third", url="https://example.org/c")
    for reference, url in [
        (first, "https://example.org/a?id=1&utm_source=x"),
        (second, "https://example.org/a?fbclid=y&id=1"),
        (third, "https://example.org/a?id=1&gclid=z"),
    ]:
        Reference.objects.filter(pk=reference.pk).update(url=url, normalized_url=url)
    run_data_migration()
    stored = dict(Reference.objects.values_list("title", "normalized_url"))
    assert stored == {
        "First": "https://example.org/a?id=1",
        "Second": "https://example.org/a?fbclid=y&id=1",
        "Third": "https://example.org/a?id=1&gclid=z",
    }
    assert group_titles() == [["First", "Second", "Third"]]
