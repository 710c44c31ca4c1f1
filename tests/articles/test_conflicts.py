"""Edit conflicts: when two people open the same article and both save, the second save is
refused, says who saved in between and when, and links to their changes. Nothing is
silently overwritten."""

import pytest
import reversion
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from tests.admin_forms import form_data_from_page
from tests.factories import ArticleFactory, ContributorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def article():
    article = ArticleFactory(title="Zinc and colds", status=Article.Status.DRAFT, publish_at=None)
    SectionFactory(article=article, heading="What zinc does", body="<p>Enzymes.</p>")
    with reversion.create_revision():  # its history starts here
        article.save()
    return article


def signed_in(django_user_model, username, full_name, group="Editors"):
    first_name, last_name = full_name.split()
    user = django_user_model.objects.create_user(
        username, is_staff=True, first_name=first_name, last_name=last_name
    )
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ada(django_user_model):
    return signed_in(django_user_model, "ada", "Ada Lovelace")


@pytest.fixture
def bob(django_user_model):
    return signed_in(django_user_model, "bob", "Bob Kahn")


def open_page(client, article):
    response = client.get(change_url(article))
    assert response.status_code == 200
    return form_data_from_page(response.content.decode())


def test_the_change_page_carries_the_edit_token(ada, article):
    assert open_page(ada, article)["edit_token"].startswith(article.updated_at.isoformat())


def test_the_second_save_is_refused_and_names_who_saved_in_between(ada, bob, article):
    adas_page, bobs_page = open_page(ada, article), open_page(bob, article)

    adas_page |= {"title": "Zinc and the common cold", "sections-0-heading": "How zinc works"}
    assert ada.post(change_url(article), adas_page).status_code == 302

    bobs_page |= {"title": "Zinc lozenges", "sections-0-body": "<p>Bob's new text.</p>"}
    response = bob.post(change_url(article), bobs_page)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Ada Lovelace saved this article on " in content
    assert "after you opened it. Your changes have not been saved" in content
    article.refresh_from_db()
    assert article.title == "Zinc and the common cold"
    section = article.sections.get()
    assert (section.heading, section.body) == ("How zinc works", "<p>Enzymes.</p>")


def test_the_refusal_links_to_what_was_changed_in_between(ada, bob, article):
    opened_version = Version.objects.get_for_object(article).get()
    bobs_page = open_page(bob, article)
    adas_page = open_page(ada, article) | {"sections-0-heading": "How zinc works"}
    ada.post(change_url(article), adas_page)
    adas_version = Version.objects.get_for_object(article).latest("pk")

    response = bob.post(change_url(article), bobs_page | {"title": "Zinc lozenges"})

    compare_url = reverse("admin:articles_article_compare", args=[article.pk])
    link = f"{compare_url}?old={opened_version.pk}&amp;new={adas_version.pk}"
    assert f'<a href="{link}">review what they changed</a>' in response.content.decode()
    changes = bob.get(compare_url, {"old": opened_version.pk, "new": adas_version.pk})
    assert "Heading “What zinc does” changed to “How zinc works”." in changes.content.decode()


def test_a_review_recorded_in_between_is_not_overwritten(django_user_model, bob, article, reviewer):
    bobs_page = open_page(bob, article)
    rita = Client()
    rita.force_login(reviewer)
    named = ContributorFactory(name="Dr Rita Reyes")
    ritas_page = open_page(rita, article) | {
        "medical_reviewer": str(named.pk),
        "reviewed_on": "2025-03-01",
    }
    assert rita.post(change_url(article), ritas_page).status_code == 302

    response = bob.post(change_url(article), bobs_page | {"title": "Zinc lozenges"})

    assert "Rita Reyes saved this article on " in response.content.decode()
    article.refresh_from_db()
    assert (article.title, article.medical_reviewer) == ("Zinc and colds", named)


def test_without_history_the_refusal_still_names_who_saved(ada, bob):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    bobs_page = open_page(bob, article)
    ada.post(change_url(article), open_page(ada, article) | {"title": "Ada's title"})

    response = bob.post(change_url(article), bobs_page | {"title": "Bob's title"})

    content = response.content.decode()
    assert "Ada Lovelace saved this article on " in content
    assert reverse("admin:articles_article_history", args=[article.pk]) in content
    assert Article.objects.get(pk=article.pk).title == "Ada's title"


def test_a_change_made_outside_the_admin_is_not_overwritten_either(bob, article):
    bobs_page = open_page(bob, article)
    Article.objects.get(pk=article.pk).save()  # e.g. an import or a script

    response = bob.post(change_url(article), bobs_page | {"title": "Bob's title"})

    assert "Someone saved this article on " in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Zinc and colds"


def test_after_a_refusal_the_article_opened_again_saves(ada, bob, article):
    bobs_page = open_page(bob, article)
    ada.post(change_url(article), open_page(ada, article) | {"title": "Ada's title"})
    assert bob.post(change_url(article), bobs_page | {"title": "Bob's title"}).status_code == 200

    fresh = open_page(bob, article) | {"standfirst": "Bob's standfirst."}
    assert bob.post(change_url(article), fresh).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.standfirst) == ("Ada's title", "Bob's standfirst.")


def test_one_person_saving_twice_from_the_same_page_is_refused_too(ada, article):
    page = open_page(ada, article)
    assert ada.post(change_url(article), page | {"title": "First"}).status_code == 302
    assert ada.post(change_url(article), page | {"title": "Second"}).status_code == 200
    assert Article.objects.get(pk=article.pk).title == "First"
