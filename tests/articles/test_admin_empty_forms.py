"""
The article's admin page carries the empty form "Add another" copies once per kind of part
(articles/admin/inlines.py, `OneEmptyFormPerInline`): a study's and an RDA row's only inside the
new section's and the new table's, not in every stored section and table; the page's script
(static/js/one-empty-form.js, proved in tests/browser/test_nested_add.py) copies them there.
"""

import re

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    RDARowFactory,
    RDATableFactory,
    RelatedArticleFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

ONE_OF_EACH = [
    "sections-empty",
    "sections-empty-studies-empty",
    "rda_tables-empty",
    "rda_tables-empty-rows-empty",
    "citations-empty",
    "related_links-empty",
]


def empty_forms(client, url):
    html = client.get(url).content.decode()
    return re.findall(r'id="([\w-]*-empty)"', html)


def test_a_long_article_carries_one_empty_form_per_kind_of_part(admin_client):
    article = ArticleFactory(status=Article.Status.DRAFT)
    for position in range(5):
        section = SectionFactory(article=article, position=position)
        StudyFactory(section=section, reference=None)
    for position in range(2):
        RDARowFactory(table=RDATableFactory(article=article, position=position))
    CitationFactory(article=article)
    RelatedArticleFactory(article=article)
    url = reverse("admin:articles_article_change", args=[article.pk])
    assert empty_forms(admin_client, url) == ONE_OF_EACH


def test_a_new_article_carries_one_empty_form_per_kind_of_part(admin_client):
    # Its first section is open, with a study ready: neither brings an empty form of its own.
    assert empty_forms(admin_client, reverse("admin:articles_article_add")) == ONE_OF_EACH


def test_the_page_loads_the_script_that_copies_them(admin_client):
    html = admin_client.get(reverse("admin:articles_article_add")).content.decode()
    assert re.search(r'<script src="[^"]*/js/one-empty-form[^"]*"[^>]* defer>', html)
