"""The reference library in the admin: columns, filters, search, duplicates and merging, link
checks, and the article page's warning about broken references."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from references.admin import CHECK_NOW_LIMIT, warn_about_broken_references
from references.models import LinkStatus, Reference
from tests.factories import ArticleFactory, CitationFactory, ReferenceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:references_reference_changelist")
DUPLICATES = reverse("admin:references_reference_duplicates")
ARTICLES = reverse("admin:articles_article_changelist")


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


def test_the_list_shows_identifiers_site_cited_by_last_check_and_link(admin_client, magnesium):
    article = ArticleFactory()
    CitationFactory(article=article, reference=magnesium)
    Reference.objects.filter(pk=magnesium.pk).update(link_status=LinkStatus.BROKEN, status_code=404)
    page = admin_client.get(CHANGELIST).content.decode()
    assert "doi 10.1007/s10522-010-9279-3 · PMID 20388094" in page
    assert "pubmed.ncbi.nlm.nih.gov" in page
    assert f'href="{ARTICLES}?cites={magnesium.pk}">1 article</a>' in page
    assert "Broken (404)" in page
    assert "Last checked" in page


def test_the_list_runs_a_fixed_number_of_queries(admin_client):
    def queries_for_a_list_of(count):
        for _ in range(count):
            CitationFactory(reference=ReferenceFactory(doi=f"10.1000/{Reference.objects.count()}"))
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(CHANGELIST).status_code == 200
        return len(queries)

    assert queries_for_a_list_of(2) == queries_for_a_list_of(6)


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


def test_cited_by_leads_to_the_articles_citing_the_reference(admin_client, magnesium):
    citing = ArticleFactory(title="Magnesium for sleep")
    ArticleFactory(title="Zinc for colds")
    CitationFactory(article=citing, reference=magnesium)
    response = admin_client.get(ARTICLES, {"cites": magnesium.pk})
    assert [article.title for article in response.context["cl"].result_list] == [
        "Magnesium for sleep"
    ]
    assert "Magnesium and aging" in response.content.decode(), "the filter names the reference"


def test_cited_by_a_deleted_reference_lists_no_article(admin_client):
    CitationFactory()
    response = admin_client.get(ARTICLES, {"cites": 999999})
    assert list(response.context["cl"].result_list) == []


# A reference's own page.


def test_the_reference_page_shows_it_as_readers_see_it(admin_client, magnesium):
    url = reverse("admin:references_reference_change", args=[magnesium.pk])
    page = admin_client.get(url).content.decode()
    assert "[cited <time" in page
    assert 'href="https://doi.org/10.1007/s10522-010-9279-3" rel="noopener nofollow"' in page
    assert "no article" in page


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


@pytest.fixture
def duplicates(magnesium):
    """The same paper under two addresses, the second cited by two articles."""
    again = ReferenceFactory(title="Same paper", url="https://www.ncbi.nlm.nih.gov/pubmed/20388094")
    first, second = ArticleFactory(), ArticleFactory()
    CitationFactory(article=first, reference=again, position=1)
    CitationFactory(article=second, reference=magnesium, position=1)
    CitationFactory(article=second, reference=again, position=2)
    return magnesium, again, first, second


def test_the_duplicates_page_lists_each_group_with_a_merge_button(admin_client, duplicates):
    ReferenceFactory(title="Unrelated")
    page = admin_client.get(DUPLICATES).content.decode()
    assert "Group 1: 2 references" in page
    assert "Same paper" in page and "Magnesium and aging" in page
    assert "Unrelated" not in page
    assert 'value="merge_references"' in page
    assert DUPLICATES in admin_client.get(CHANGELIST).content.decode(), "linked from the list"


def test_the_duplicates_page_says_when_there_are_none(admin_client):
    ReferenceFactory()
    assert "No possible duplicates" in admin_client.get(DUPLICATES).content.decode()


def test_merge_asks_which_reference_to_keep(editor_client, duplicates):
    magnesium, again, *_articles = duplicates
    response = editor_client.post(
        CHANGELIST, {"action": "merge_references", ACTION_CHECKBOX_NAME: [magnesium.pk, again.pk]}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Which reference do you keep?" in page
    # The most cited comes first and is chosen unless the editor picks another.
    assert f'name="keep" value="{again.pk}" id="keep-{again.pk}" checked' in page
    assert f'name="keep" value="{magnesium.pk}" id="keep-{magnesium.pk}">' in page
    assert Reference.objects.count() == 2, "nothing changes before the editor confirms"


def test_merge_keeps_the_chosen_reference_and_says_what_moved(editor_client, duplicates):
    magnesium, again, first, second = duplicates
    response = editor_client.post(
        CHANGELIST,
        {
            "action": "merge_references",
            ACTION_CHECKBOX_NAME: [magnesium.pk, again.pk],
            "keep": magnesium.pk,
            "post": "yes",
        },
        follow=True,
    )
    assert list(Reference.objects.all()) == [magnesium]
    assert list(first.citations.values_list("reference", "position")) == [(magnesium.pk, 1)]
    assert list(second.citations.values_list("reference", "position")) == [(magnesium.pk, 1)]
    assert messages_of(response) == [
        "Merged 1 reference into “Magnesium and aging”: 1 citation moved; 1 dropped because its "
        "article already cited the one kept."
    ]


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


def test_the_article_page_warns_about_the_broken_references_it_cites(admin_client):
    article = ArticleFactory()
    gone = ReferenceFactory(title="Gone for good")
    down = ReferenceFactory(title="Server down")
    fine = ReferenceFactory(title="Still there")
    elsewhere = ReferenceFactory(title="Cited elsewhere")
    for reference in (gone, down, fine):
        CitationFactory(article=article, reference=reference)
    CitationFactory(reference=elsewhere)
    Reference.objects.filter(pk=gone.pk).update(link_status=LinkStatus.BROKEN, status_code=404)
    Reference.objects.filter(pk=down.pk).update(link_status=LinkStatus.UNREACHABLE)
    Reference.objects.filter(pk=elsewhere.pk).update(link_status=LinkStatus.BROKEN)
    Reference.objects.filter(pk=fine.pk).update(link_status=LinkStatus.OK)
    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    [warning] = [m for m in messages_of(response) if "no longer lead" in m]
    assert "2 references this article cites no longer lead to their source" in warning
    assert "Gone for good</a> (Broken (404))" in warning
    assert "Server down</a> (Unreachable)" in warning
    assert "Still there" not in warning and "Cited elsewhere" not in warning


def test_the_broken_reference_warning_takes_one_query(rf, django_assert_num_queries):
    article = ArticleFactory()
    for _ in range(3):
        reference = ReferenceFactory(link_status=LinkStatus.BROKEN)
        CitationFactory(article=article, reference=reference)
    request = rf.get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    with django_assert_num_queries(1):
        warn_about_broken_references(request, article_id=article.pk)
    assert len(list(request._messages)) == 1
