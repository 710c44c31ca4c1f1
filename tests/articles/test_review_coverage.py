"""A recorded medical review covers the content it saw: a later change to what readers see makes
it out of date (shown to editors, listed and exported), and publishing waits for it to be
renewed.

The attack of issue 15: after a review was recorded, an editor rewrote an in-review article's
standfirst and a publisher published it with no warning.
"""

import datetime
import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.editing import review, workflow
from articles.models import Article
from tests.admin_forms import form_data_from_page
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ContributorFactory,
    RDARowFactory,
    RDATableFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

OUT_OF_DATE = "the review no longer covers it and the article cannot be published"


@pytest.fixture
def reviewed(reviewer):
    """An article in review, with a section, a study, an RDA table and a citation, whose
    review was recorded through the workflow."""
    article = ArticleFactory(status=Article.Status.IN_REVIEW, publish_at=None)
    section = SectionFactory(article=article)
    StudyFactory(section=section)
    RDARowFactory(table=RDATableFactory(article=article))
    CitationFactory(article=article)
    workflow.record_review(article=article, user=reviewer, reviewer=ContributorFactory())
    article.refresh_from_db()
    return article


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def save_page(client, article, **changes):
    page = client.get(change_url(article))
    assert page.status_code == 200
    data = form_data_from_page(page.content.decode())
    data.update(changes)
    return client.post(change_url(article), data)


def test_the_fingerprint_takes_a_fixed_number_of_queries(reviewed, django_assert_num_queries):
    with django_assert_num_queries(7):
        review.content_fingerprint(reviewed)


def test_an_unchanged_article_is_published(reviewed, publisher):
    assert not reviewed.review_out_of_date
    workflow.publish_article(article=reviewed, user=publisher)
    assert Article.objects.get(pk=reviewed.pk).is_live


def test_a_standfirst_changed_after_the_review_is_not_published(reviewed, publisher):
    reviewed.standfirst = "Zinc cures colds."
    reviewed.save()
    assert Article.objects.review_out_of_date().get() == reviewed
    with pytest.raises(ValidationError) as refused:
        workflow.publish_article(article=reviewed, user=publisher)
    assert refused.value.code == "review_out_of_date"
    assert OUT_OF_DATE in refused.value.messages[0]
    assert Article.objects.get(pk=reviewed.pk).status == Article.Status.IN_REVIEW


def test_a_renewed_review_lets_the_article_be_published(reviewed, reviewer, publisher):
    reviewed.standfirst = "Zinc shortens colds a little."
    reviewed.save()
    workflow.record_review(article=reviewed, user=reviewer, reviewer=reviewed.medical_reviewer)
    assert not Article.objects.review_out_of_date().exists()
    workflow.publish_article(article=reviewed, user=publisher)
    assert Article.objects.get(pk=reviewed.pk).is_live


@pytest.mark.parametrize(
    "change",
    [
        lambda article: article.sections.update(body="<p>Changed.</p>"),
        lambda article: SectionFactory(article=article),
        lambda article: StudyFactory(section=article.sections.get(), finding="A 5% drop."),
        lambda article: RDARowFactory(table=article.rda_tables.get(), age_from=1, age_to=3),
        lambda article: CitationFactory(article=article),
        lambda article: article.disclaimers.clear(),
        lambda article: ArticleFactory().related_links.model.objects.create(
            article=article, related=ArticleFactory()
        ),
    ],
    ids=["section text", "section", "study", "RDA row", "citation", "disclaimers", "related"],
)
def test_each_part_readers_see_is_covered(reviewed, change):
    assert reviewed.disclaimers.exists()
    before = review.content_fingerprint(reviewed)
    change(reviewed)
    assert review.content_fingerprint(reviewed) != before


def test_a_change_to_a_cited_reference_marks_the_review_out_of_date(reviewed):
    reference = reviewed.citations.get().reference
    reference.title = "Another title"
    reference.save()
    assert Article.objects.review_out_of_date().get() == reviewed


def test_a_link_check_does_not_mark_the_review_out_of_date(reviewed):
    reference = reviewed.citations.get().reference
    reference.status_code = 404
    reference.save(update_fields=["status_code"])
    assert not Article.objects.review_out_of_date().exists()


def test_editors_see_an_out_of_date_review_on_the_change_page(reviewed, editor_client):
    reviewed.standfirst = "Zinc cures colds."
    reviewed.save()
    response = editor_client.get(change_url(reviewed))
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("is out of date" in message for message in messages)
    changelist = reverse("admin:articles_article_changelist")
    listed = editor_client.get(changelist, {"review_out_of_date__exact": "1"})
    assert list(listed.context["cl"].result_list) == [reviewed]


def test_publishing_in_the_admin_is_refused_after_a_change(reviewed, client, publisher, editor):
    client.force_login(editor)
    assert save_page(client, reviewed, standfirst="Zinc cures colds.").status_code == 302
    client.force_login(publisher)
    response = save_page(client, reviewed, status="published")
    assert response.status_code == 200
    assert OUT_OF_DATE in response.content.decode()
    assert Article.objects.get(pk=reviewed.pk).status == Article.Status.IN_REVIEW


def test_a_change_made_in_the_publishing_save_is_refused(reviewed, client, editor, publisher):
    editor.groups.add(Group.objects.get(name="Publishers"))
    client.force_login(editor)
    response = save_page(client, reviewed, status="published", standfirst="Zinc cures colds.")
    assert response.status_code == 200
    assert OUT_OF_DATE in response.content.decode()
    response = save_page(
        client, reviewed, status="published", **{"sections-0-heading": "Changed heading"}
    )
    assert response.status_code == 200
    assert "The medical review does not cover these changes" in response.content.decode()
    assert Article.objects.get(pk=reviewed.pk).status == Article.Status.IN_REVIEW


def test_a_reviewer_renews_the_review_in_the_admin(reviewed, client, reviewer, publisher):
    reviewed.standfirst = "Zinc shortens colds a little."
    reviewed.save()
    client.force_login(reviewer)
    assert save_page(client, reviewed, renew_review="on").status_code == 302
    assert not Article.objects.review_out_of_date().exists()
    client.force_login(publisher)
    assert save_page(client, reviewed, status="published").status_code == 302
    assert Article.objects.get(pk=reviewed.pk).status == Article.Status.PUBLISHED


def test_an_editor_cannot_renew_the_review(reviewed, editor_client):
    reviewed.standfirst = "Zinc cures colds."
    reviewed.save()
    response = save_page(editor_client, reviewed, renew_review="on")
    assert response.status_code == 200
    assert "Only a medical reviewer can record a medical review." in response.content.decode()
    assert Article.objects.review_out_of_date().get() == reviewed


def test_the_export_has_a_review_out_of_date_column(reviewed, admin_client):
    reviewed.standfirst = "Zinc cures colds."
    reviewed.save()
    response = admin_client.get(reverse("admin:articles_article_export", args=["json"]))
    rows = json.loads(b"".join(response.streaming_content))
    assert [row["review_out_of_date"] for row in rows] == [True]


def test_a_review_recorded_before_fingerprints_is_not_out_of_date(publisher):
    article = ArticleFactory(
        status=Article.Status.IN_REVIEW,
        publish_at=None,
        medical_reviewer=ContributorFactory(),
        reviewed_on=datetime.date(2025, 3, 1),
    )
    workflow.publish_article(article=article, user=publisher)
    assert Article.objects.get(pk=article.pk).is_live
