"""The reference library seen from the articles that cite it: the "cited by" column and
filter, citations moved by a merge, the article page's warnings and reference list."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.admin.library import warn_about_broken_references
from articles.models import Article, Citation, Study
from references import services
from references.models import LinkStatus, Reference
from tests.factories import ArticleFactory, CitationFactory, ReferenceFactory, StudyFactory

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


def test_the_reference_page_shows_it_as_readers_see_it(admin_client, magnesium):
    url = reverse("admin:references_reference_change", args=[magnesium.pk])
    page = admin_client.get(url).content.decode()
    assert "[cited <time" in page
    assert 'href="https://doi.org/10.1007/s10522-010-9279-3" rel="noopener nofollow"' in page
    assert "no article" in page


@pytest.fixture
def duplicates(magnesium):
    """The same paper under two addresses, the second cited by two drafts (references that
    published articles cite are merged by publishers only: tests/articles/test_trust.py)."""
    again = ReferenceFactory(title="Same paper", url="https://www.ncbi.nlm.nih.gov/pubmed/20388094")
    first, second = (ArticleFactory(status=Article.Status.DRAFT, publish_at=None) for _ in "12")
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
        "Merged 1 reference into “Magnesium and aging”: 1 citation moved; 1 citation dropped, "
        "as its owner already pointed at the one kept."
    ]


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


def test_the_article_page_lists_references_in_vancouver_style(client):
    article = ArticleFactory()
    reference = ReferenceFactory(
        title="Magnesium and aging",
        url="https://pubmed.ncbi.nlm.nih.gov/20388094/",
        retrieved_on=datetime.date(2025, 1, 8),
    )
    CitationFactory(article=article, reference=reference)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "[cited <time" in page
    assert (
        'PubMed PMID: <a href="https://pubmed.ncbi.nlm.nih.gov/20388094/" rel="noopener '
        'nofollow">20388094</a>.' in page
    )


def positions(article):
    return list(article.citations.values_list("reference__title", "position"))


@pytest.fixture
def library():
    """Two references for one source, cited by three articles and a study."""
    keep = ReferenceFactory(title="Kept", url="https://pubmed.ncbi.nlm.nih.gov/20388094/")
    other = ReferenceFactory(
        title="Other", url="https://www.ncbi.nlm.nih.gov/pubmed/20388094", doi="10.3390/x"
    )
    filler = ReferenceFactory(title="Filler")
    only_other, both, other_first = ArticleFactory(), ArticleFactory(), ArticleFactory()
    CitationFactory(article=only_other, reference=filler, position=1)
    CitationFactory(article=only_other, reference=other, position=2)
    CitationFactory(article=both, reference=keep, position=1)
    CitationFactory(article=both, reference=filler, position=2)
    CitationFactory(article=both, reference=other, position=3)
    CitationFactory(article=other_first, reference=other, position=1)
    CitationFactory(article=other_first, reference=filler, position=2)
    CitationFactory(article=other_first, reference=keep, position=3)
    study = StudyFactory(reference=other)
    return keep, other, filler, only_other, both, other_first, study


def test_merging_moves_every_citation_and_keeps_each_articles_order(library):
    keep, other, _filler, only_other, both, other_first, study = library
    result = services.merge_references(keep=keep, others=[other])
    assert positions(only_other) == [("Filler", 1), ("Kept", 2)]
    assert positions(both) == [("Kept", 1), ("Filler", 2)], "the later citation is dropped"
    assert positions(other_first) == [("Kept", 1), ("Filler", 2)], "the earliest one stays"
    study.refresh_from_db()
    assert study.reference == keep
    assert not Reference.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert keep.doi == "10.3390/x", "the identifier the kept reference lacked is taken"
    assert result.merged == 1
    assert result.moved == {Citation: 2, Study: 1}, "every relation is repointed, unnamed"
    assert result.dropped == {Citation: 2}
    assert result.filled == ["doi"]


def test_a_merge_that_fails_midway_changes_nothing(library, monkeypatch):
    keep, other, *_rest = library
    before = sorted(Citation.objects.values_list("article_id", "reference_id", "position"))

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_fill_gaps", broken)  # after every relation was repointed
    with pytest.raises(RuntimeError):
        services.merge_references(keep=keep, others=[other])
    assert sorted(Citation.objects.values_list("article_id", "reference_id", "position")) == before
    assert Reference.objects.filter(pk=other.pk).exists()
    assert Study.objects.get().reference == other


def test_a_kept_reference_that_fails_validation_merges_nothing(library):
    keep, other, *_rest = library
    Reference.objects.filter(pk=keep.pk).update(pmid="not a number")
    with pytest.raises(ValidationError) as error:
        services.merge_references(keep=keep, others=[other])
    assert "pmid" in error.value.message_dict
    assert Citation.objects.filter(reference=other).count() == 3
    assert Reference.objects.filter(pk=other.pk).exists()


def test_merging_several_references_at_once():
    keep, second, third = ReferenceFactory(), ReferenceFactory(), ReferenceFactory()
    article = ArticleFactory()
    CitationFactory(article=article, reference=third, position=1)
    CitationFactory(article=article, reference=second, position=2)
    CitationFactory(article=article, reference=keep, position=3)
    services.merge_references(keep=keep, others=[second, third])
    assert list(article.citations.values_list("reference", "position")) == [(keep.pk, 1)]
    assert Reference.objects.count() == 1


@pytest.mark.django_db
def test_an_article_cannot_cite_the_same_reference_twice():
    article, reference = ArticleFactory(), ReferenceFactory()
    Citation.objects.create(article=article, reference=reference, position=1)
    duplicate = Citation(article=article, reference=reference, position=2)
    with pytest.raises(ValidationError) as error:
        duplicate.validate_constraints()
    assert error.value.messages == ["This article already cites that reference."]
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.django_db
def test_citation_order_is_the_number_readers_see():
    article = ArticleFactory()
    later, earlier = ReferenceFactory(), ReferenceFactory()
    Citation.objects.create(article=article, reference=later, position=2)
    Citation.objects.create(article=article, reference=earlier, position=1)
    assert article.reference_numbers() == {earlier.pk: 1, later.pk: 2}
