"""The demo is content: Markdown files imported through the editor's import service."""

import pytest

from articles.demo import CONTENT, DATA, MAIN_SLUG, load_demo
from articles.models import Article
from articles.textformat.markdown import article_markdown
from references.models import Reference

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("entry", DATA["articles"], ids=lambda entry: entry["slug"])
def test_each_demo_article_exports_back_to_its_file(entry):
    load_demo()
    article = Article.objects.get(slug=entry["slug"])
    assert article_markdown(article) == (CONTENT / entry["file"]).read_text(encoding="utf-8")


def test_the_data_file_gives_dates_tags_and_identifiers():
    load_demo()
    main = Article.objects.get(slug=MAIN_SLUG)
    assert main.featured and main.publish_at.isoformat() == "2025-01-15T09:00:00+00:00"
    assert main.reviewed_on.isoformat() == "2025-01-10"
    assert str(main.medical_reviewer) == "Dr. Amelia Hart, MD"
    assert sorted(main.tags.values_list("name", flat=True)) == [
        "Magnesium",
        "Neuropathy",
        "Supplements",
    ]
    assert Reference.objects.get(pmid="20388094").title == "Magnesium and aging"
    assert Reference.objects.get(doi="10.3390/nu13020463").retrieved_on.isoformat() == "2025-01-08"


def test_related_demo_articles_link_back_to_the_main_one():
    load_demo()
    for entry in DATA["articles"][1:]:
        article = Article.objects.get(slug=entry["slug"])
        assert [link.related.slug for link in article.related_links.all()] == [MAIN_SLUG]
        assert not article.pending_related.exists()
