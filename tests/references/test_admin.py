"""The reference library in the admin: columns, filters, search, duplicates and merging, link
checks, and the article page's warning about broken references."""

import pytest
from django.contrib.admin import site
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from references.admin import CHECK_NOW_LIMIT
from references.models import LinkStatus, Reference
from tests.query_plans import admin_search_plan
from tests.references.factories import ReferenceFactory
from tests.references.standalone import needs_migration_history

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:references_reference_changelist")
DUPLICATES = reverse("admin:references_reference_duplicates")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed(response):
    return {reference.title for reference in response.context["cl"].result_list}


@pytest.fixture
def magnesium():
    return ReferenceFactory(
        title="Magnesium and aging",
        url="https://pubmed.ncbi.nlm.nih.gov/20388094/",
        doi="10.1007/s10522-010-9279-3",
    )


# The list of references.


def test_the_list_filters_by_link_status_and_site(admin_client):
    ReferenceFactory(title="Fine", url="https://example.org/fine")
    broken = ReferenceFactory(title="Gone", url="https://pubmed.ncbi.nlm.nih.gov/1/")
    Reference.objects.filter(pk=broken.pk).update(link_status=LinkStatus.BROKEN)
    assert listed(admin_client.get(CHANGELIST, {"link_status__exact": "broken"})) == {"Gone"}
    assert listed(admin_client.get(CHANGELIST, {"site": "example.org"})) == {"Fine"}


def test_the_list_filters_possible_duplicates(admin_client, magnesium):
    ReferenceFactory(title="Same paper", url="https://www.ncbi.nlm.nih.gov/pubmed/20388094")
    ReferenceFactory(title="Another paper")
    response = admin_client.get(CHANGELIST, {"duplicates": "yes"})
    assert listed(response) == {"Magnesium and aging", "Same paper"}


@pytest.mark.parametrize(
    "term", ["aging", "pubmed.ncbi.nlm.nih.gov/20388094", "20388094", "10.1007/s10522-010-9279-3"]
)
def test_the_list_is_searched_by_title_address_and_identifier(admin_client, magnesium, term):
    ReferenceFactory(title="Zinc", url="https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/")
    assert listed(admin_client.get(CHANGELIST, {"q": term})) == {"Magnesium and aging"}


@pytest.mark.parametrize("term", ["PMC4321727", "NBK507256"])
def test_the_list_is_searched_by_pmc_and_bookshelf_ids(admin_client, term):
    ReferenceFactory(title="PMC", url="https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/")
    ReferenceFactory(title="NBK", url="https://www.ncbi.nlm.nih.gov/books/NBK507256/")
    assert listed(admin_client.get(CHANGELIST, {"q": term})) == {term[:3]}


def test_a_pasted_address_finds_the_same_source_under_another_address(admin_client, magnesium):
    pasted = "https://www.ncbi.nlm.nih.gov/pubmed/20388094?utm_source=newsletter"
    assert listed(admin_client.get(CHANGELIST, {"q": pasted})) == {"Magnesium and aging"}


# A reference's own page.


def test_saving_a_possible_duplicate_warns_the_editor(editor_client, magnesium):
    response = editor_client.post(
        reverse("admin:references_reference_add"),
        {"title": "Magnesium & aging", "url": "https://www.ncbi.nlm.nih.gov/pubmed/20388094"},
        follow=True,
    )
    assert Reference.objects.count() == 2
    assert any(
        "This may be the same source as" in m and "Magnesium and aging" in m
        for m in messages_of(response)
    )


# Duplicates and merging.


def test_the_duplicates_page_says_when_there_are_none(admin_client):
    ReferenceFactory()
    assert "No possible duplicates" in admin_client.get(DUPLICATES).content.decode()


def test_merge_needs_two_references(editor_client, magnesium):
    response = editor_client.post(
        CHANGELIST,
        {"action": "merge_references", ACTION_CHECKBOX_NAME: [magnesium.pk]},
        follow=True,
    )
    assert messages_of(response) == ["Select at least two references to merge."]


# Link checks.


def test_check_links_now_checks_the_selected_references(admin_client, site):
    ok = ReferenceFactory(url=site.url("/ok"))
    missing = ReferenceFactory(url=site.url("/missing"))
    untouched = ReferenceFactory(url=site.url("/moved"))
    response = admin_client.post(
        CHANGELIST,
        {"action": "check_links", ACTION_CHECKBOX_NAME: [ok.pk, missing.pk]},
        follow=True,
    )
    assert messages_of(response) == ["Checked 2 links: 1 ok, 1 broken."]
    statuses = dict(Reference.objects.values_list("pk", "link_status"))
    assert statuses == {
        ok.pk: LinkStatus.OK,
        missing.pk: LinkStatus.BROKEN,
        untouched.pk: LinkStatus.UNCHECKED,
    }


def test_check_links_now_refuses_an_internal_address_and_says_so(admin_client, site, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    internal = ReferenceFactory(url=site.url("/ok"))
    response = admin_client.post(
        CHANGELIST, {"action": "check_links", ACTION_CHECKBOX_NAME: [internal.pk]}, follow=True
    )
    assert messages_of(response) == [
        "Checked 1 link: 1 unreachable.",
        "Not fetched, because it leads inside our own network (refused: internal address): "
        f"{site.url('/ok')}. Use the source's public address.",
    ]
    assert sum(site.hits.values()) == 0


def test_check_links_now_is_limited_to_a_small_selection(admin_client):
    references = [ReferenceFactory() for _ in range(CHECK_NOW_LIMIT + 1)]
    response = admin_client.post(
        CHANGELIST,
        {"action": "check_links", ACTION_CHECKBOX_NAME: [r.pk for r in references]},
        follow=True,
    )
    assert messages_of(response)[0].startswith("Select at most 50 references")
    assert not Reference.objects.exclude(link_status=LinkStatus.UNCHECKED).exists()


# The article's page.


@needs_migration_history
def test_search_reads_each_searched_column_from_its_trigram_index(postgres):
    ReferenceFactory.create_batch(3)
    plan = admin_search_plan(Reference, "glycinate")
    for column in site.get_model_admin(Reference).search_fields:
        assert f"reference_{column}_trigram_gin" in plan
