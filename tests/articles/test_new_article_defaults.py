"""A new article's page starts with what nearly every article needs: one section, and in each
new section one study, ready to fill in. What is left blank is not saved."""

import pytest
from django.urls import reverse

from articles.models import Article, Section, Study
from tests.admin_forms import form_data_from_page
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")


def test_a_new_article_starts_with_one_section_and_one_study(editor_client):
    content = editor_client.get(ADD_URL).content.decode()
    assert 'name="sections-0-heading"' in content
    assert 'name="sections-0-studies-0-finding"' in content
    assert 'name="sections-1-heading"' not in content


def test_blank_section_and_study_are_not_saved(editor_client):
    data = form_data_from_page(editor_client.get(ADD_URL).content.decode())
    data |= {
        "title": "Zinc and colds",
        "slug": "zinc-and-colds",
        "standfirst": "What zinc does for a cold.",
        "category": str(CategoryFactory().pk),
    }
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["error_locations"]
    assert Article.objects.get().title == "Zinc and colds"
    assert not Section.objects.exists()
    assert not Study.objects.exists()


def test_a_section_filled_in_keeps_its_blank_study_out(editor_client):
    data = form_data_from_page(editor_client.get(ADD_URL).content.decode())
    data |= {
        "title": "Zinc and colds",
        "slug": "zinc-and-colds",
        "standfirst": "What zinc does for a cold.",
        "category": str(CategoryFactory().pk),
        "sections-0-heading": "What zinc does",
        "sections-0-body": "<p>It may shorten a cold.</p>",
    }
    response = editor_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["error_locations"]
    assert Section.objects.get().heading == "What zinc does"
    assert not Study.objects.exists()


def test_a_stored_section_gets_no_blank_study(editor_client):
    article = Article.objects.create(
        title="Iron", slug="iron", standfirst="Iron.", category=CategoryFactory()
    )
    Section.objects.create(article=article, heading="Iron in food", position=1)
    content = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert 'name="sections-0-studies-0-finding"' not in content.content.decode()
    assert 'name="sections-1-heading"' not in content.content.decode()
