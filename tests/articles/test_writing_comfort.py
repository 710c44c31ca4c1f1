"""Writing comfort in the admin: spell checking in the rich-text editor, and the site's icon."""

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_the_rich_text_editor_keeps_spell_checking_on(admin_client):
    article = ArticleFactory()
    SectionFactory(article=article)
    page = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    html = page.content.decode()
    assert "data-django-prose-editor" in html
    assert "NoSpellCheck" not in html


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.url.endswith(".svg") and "favicon" in response.url


def test_admin_pages_link_the_icon(admin_client):
    assert 'rel="icon"' in admin_client.get(reverse("admin:index")).content.decode()
