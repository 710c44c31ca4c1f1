"""The dashboard on the admin index: each role sees the lists it works from, each list links to
the changelist filtered the same way, and the page costs the same queries for 3 or 30 articles."""

import datetime

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from references.models import BIBLIOGRAPHIC_FIELDS, LinkStatus, NoticeStatus, Reference
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ContributorFactory,
    ReferenceFactory,
)

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
CHANGELIST = reverse("admin:articles_article_changelist")


def saved_by(user, article, comment="Changed."):
    """Keep a version of `article` saved by `user`, as the admin does on save."""
    with reversion.create_revision():
        reversion.add_to_revision(article)
        reversion.set_user(user)
        reversion.set_comment(comment)
    return article


def draft(**fields):
    return ArticleFactory(status=Article.Status.DRAFT, publish_at=None, **fields)


def in_review(**fields):
    return ArticleFactory(status=Article.Status.IN_REVIEW, publish_at=None, **fields)


def panels(response):
    return {panel.name: panel for panel in response.context["panels"]}


def titles(panel):
    return [article.title for article in panel.articles]


def superuser():
    return get_user_model().objects.create_superuser("sue", "sue@example.com", "pw")


def other_editor():
    user = get_user_model().objects.create_user("otto", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def one_of_each(editor, other):
    """An article for every panel, and a change by someone else."""
    recent = timezone.localdate() - datetime.timedelta(days=30)
    long_ago = timezone.localdate() - datetime.timedelta(days=365 * 3)
    articles = {
        "my_draft": saved_by(editor, draft(title="My magnesium draft")),
        "others_draft": saved_by(other, draft(title="Someone else's draft")),
        "waiting": in_review(title="Vitamin D waits"),
        "ready": in_review(
            title="Zinc is ready", medical_reviewer=ContributorFactory(), reviewed_on=recent
        ),
        "scheduled": ArticleFactory(
            title="Iron goes live tomorrow",
            publish_at=timezone.now() + datetime.timedelta(days=1),
            medical_reviewer=ContributorFactory(),
            reviewed_on=recent,
        ),
        "due": ArticleFactory(
            title="Old review of folate",
            medical_reviewer=ContributorFactory(),
            reviewed_on=long_ago,
        ),
    }
    broken = ReferenceFactory(link_status=LinkStatus.BROKEN)
    CitationFactory(article=articles["ready"], reference=broken)
    return articles


def test_editor_sees_their_drafts_and_what_waits_for_review(client, editor, publisher):
    one_of_each(editor, publisher)
    client.force_login(editor)
    shown = panels(client.get(INDEX))
    assert set(shown) == {"my_drafts", "waiting_for_review", "reference_problems"}
    assert titles(shown["my_drafts"]) == ["My magnesium draft"]
    assert titles(shown["waiting_for_review"]) == ["Vitamin D waits"]


def test_publisher_sees_ready_scheduled_and_due(client, editor, publisher):
    one_of_each(editor, publisher)
    client.force_login(publisher)
    shown = panels(client.get(INDEX))
    assert set(shown) == {"ready_to_publish", "scheduled", "due_for_review", "reference_problems"}
    assert titles(shown["ready_to_publish"]) == ["Zinc is ready"]
    assert titles(shown["scheduled"]) == ["Iron goes live tomorrow"]
    # Never reviewed counts as due, as does a review older than REVIEW_DUE_MONTHS.
    assert "Old review of folate" in titles(shown["due_for_review"])
    assert "Iron goes live tomorrow" not in titles(shown["due_for_review"])


def test_reviewer_sees_what_waits_for_them_and_what_is_due(client, editor, reviewer):
    one_of_each(editor, reviewer)
    client.force_login(reviewer)
    shown = panels(client.get(INDEX))
    assert set(shown) == {"waiting_for_review", "due_for_review"}


def test_due_for_review_follows_the_configured_months(client, publisher, settings):
    ArticleFactory(
        title="Reviewed 13 months ago",
        medical_reviewer=ContributorFactory(),
        reviewed_on=timezone.localdate() - datetime.timedelta(days=400),
    )
    client.force_login(publisher)
    settings.REVIEW_DUE_MONTHS = 24
    assert titles(panels(client.get(INDEX))["due_for_review"]) == []
    settings.REVIEW_DUE_MONTHS = 12
    assert titles(panels(client.get(INDEX))["due_for_review"]) == ["Reviewed 13 months ago"]


def test_articles_citing_broken_or_unchecked_references_are_listed(client, editor):
    fine = ArticleFactory(title="Cites a working link")
    fetched = ReferenceFactory(link_status=LinkStatus.OK, notice_status=NoticeStatus.NONE)
    fetched.apply_csl({"author": [{"family": "Barbagallo", "given": "M"}]})
    fetched.save()
    CitationFactory(article=fine, reference=fetched)
    unchecked = ArticleFactory(title="Cites an unchecked link")
    CitationFactory(article=unchecked, reference=ReferenceFactory())
    client.force_login(editor)
    assert titles(panels(client.get(INDEX))["reference_problems"]) == ["Cites an unchecked link"]


def test_each_panel_links_to_the_changelist_showing_the_same_articles(client):
    user = superuser()
    one_of_each(user, other_editor())
    client.force_login(user)
    for panel in panels(client.get(INDEX)).values():
        assert panel.url.startswith(CHANGELIST + "?")
        listed = client.get(panel.url)
        assert listed.status_code == 200, panel.name
        assert listed.context["cl"].result_count == panel.count, panel.name


def test_recent_changes_are_others_with_who_and_what(client, editor, publisher):
    article = saved_by(publisher, draft(title="Selenium"), comment="Published.")
    saved_by(editor, article, comment="My own change")
    client.force_login(editor)
    response = client.get(INDEX)
    changes = response.context["recent_changes"]
    assert [version.revision.comment for version in changes] == ["Published."]
    assert "Paul Park" in response.content.decode()


def test_the_page_shows_the_panels_and_the_models(client, editor):
    in_review(title="Vitamin D waits")
    client.force_login(editor)
    page = client.get(INDEX).content.decode()
    assert "Waiting for medical review" in page
    assert "Vitamin D waits" in page
    assert 'id="content-main"' in page  # Django's list of models is still there


@pytest.mark.parametrize("count", [3, 30])
def test_dashboard_queries_do_not_grow_with_articles(
    client, editor, publisher, django_assert_max_num_queries, count
):
    for _ in range(count // 3):
        one_of_each(editor, publisher)
    user = superuser()
    saved_by(publisher, draft())
    client.force_login(user)
    client.get(INDEX)  # warm up the content types
    # Session, user, one count for all panels, one per panel (6), recent changes by others,
    # Django's "Recent actions".
    with django_assert_max_num_queries(10):
        response = client.get(INDEX)
    assert response.status_code == 200


# Retractions, corrections, expressions of concern and references never fetched.


def fetched_reference(**fields):
    """A reference whose link works and whose record was fetched (it has an author)."""
    fields = {"link_status": LinkStatus.OK, "notice_status": NoticeStatus.NONE, **fields}
    reference = ReferenceFactory(**fields)
    reference.authors = reference.authors or [{"family": "Barbagallo", "given": "M"}]
    reference.save()
    return reference


def citing(title, reference):
    article = ArticleFactory(title=title)
    CitationFactory(article=article, reference=reference)
    return article


def problem_articles():
    """One article per kind of notice, one citing a record never fetched, one citing a
    reference with nothing wrong."""
    citing("Cites a sound paper", fetched_reference())
    citing("Cites a retracted paper", fetched_reference(notice_status=NoticeStatus.RETRACTED))
    citing("Cites a paper under concern", fetched_reference(notice_status=NoticeStatus.CONCERN))
    citing("Cites a corrected paper", fetched_reference(notice_status=NoticeStatus.CORRECTED))
    citing(
        "Cites a paper never fetched",
        ReferenceFactory(link_status=LinkStatus.OK, notice_status=NoticeStatus.NONE),
    )


@pytest.mark.parametrize(
    ("problem", "title"),
    [
        ("retracted", "Cites a retracted paper"),
        ("concern", "Cites a paper under concern"),
        ("corrected", "Cites a corrected paper"),
        ("unfetched", "Cites a paper never fetched"),
    ],
)
def test_changelist_filter_finds_articles_citing_each_kind_of_problem(
    client, editor, problem, title
):
    problem_articles()
    client.force_login(editor)
    listed = client.get(CHANGELIST, {"reference_problem": problem})
    assert listed.status_code == 200
    assert [article.title for article in listed.context["cl"].result_list] == [title]


def test_dashboard_lists_articles_citing_retracted_corrected_or_unfetched_papers(client, editor):
    problem_articles()
    client.force_login(editor)
    panel = panels(client.get(INDEX))["reference_problems"]
    assert panel.count == 4
    assert "Cites a sound paper" not in titles(panel)
    assert client.get(panel.url).context["cl"].result_count == 4


def test_filter_choices_name_each_problem_for_the_editor(client, editor):
    client.force_login(editor)
    page = client.get(CHANGELIST).content.decode()
    for label in (
        "a retracted paper",
        "an expression of concern",
        "a correction",
        "an identifier whose details were never fetched",
    ):
        assert label in page


def test_a_reference_without_an_identifier_is_not_unfetched():
    typed = ReferenceFactory(url="https://ods.od.nih.gov/factsheets/Zinc-Consumer/")
    assert not typed.pmid and not typed.doi
    assert not Reference.objects.unfetched().filter(pk=typed.pk).exists()


@pytest.mark.parametrize("field", BIBLIOGRAPHIC_FIELDS)
def test_any_bibliographic_detail_means_the_record_is_not_unfetched(field):
    reference = ReferenceFactory()
    assert Reference.objects.unfetched().filter(pk=reference.pk).exists()
    values = {
        "authors": [{"family": "Barbagallo", "given": "M"}],
        "editors": [{"family": "Dominguez", "given": "LJ"}],
        "issued_year": 2010,
        "issued_month": 4,
        "issued_day": 1,
    }
    if field in ("issued_month", "issued_day"):
        reference.issued_year, reference.issued_month = 2010, 4
    setattr(reference, field, values.get(field, "x"))
    reference.save()
    assert reference.has_bibliographic_details()
    assert not Reference.objects.unfetched().filter(pk=reference.pk).exists()


@pytest.mark.parametrize("count", [1, 10])
def test_dashboard_queries_do_not_grow_with_notices(
    client, editor, django_assert_max_num_queries, count
):
    for _ in range(count):
        problem_articles()
    client.force_login(editor)
    client.get(INDEX)  # warm up the content types
    # Session, user, one count for all panels, one per panel (3), recent changes by others,
    # Django's "Recent actions".
    with django_assert_max_num_queries(8):
        response = client.get(INDEX)
    assert panels(response)["reference_problems"].count == 4 * count
