"""A closing note worded unlike the stock disclaimer it matches is never replaced silently: the
preview and the command show both wordings, and the editor keeps the stock text or the
article's own (as a disclaimer of its own)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.editing import imports
from articles.models import Article, Disclaimer
from articles.textformat import importer
from articles.textformat.draft import read_bytes
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
#: Its "Important Note" and supplement note are worded unlike the stock disclaimers.
VITAMIN_D = SAMPLES / "vitamin-d-bone-health.txt"
IMPORT_URL = reverse("admin:articles_article_import")
OWN_MEDICAL_NOTE = "This article shares general health information and does not replace advice"


def draft():
    return importer.parse(
        read_bytes(VITAMIN_D.read_bytes()),
        filename=VITAMIN_D.name,
        disclaimers=imports.disclaimer_hints(),
    )


def test_the_differences_name_the_stock_disclaimer_and_keep_both_wordings():
    differences = imports.disclaimer_differences(draft())
    assert [d.stock.name for d in differences] == [
        "Medical note",
        "FDA supplement statement",
    ]
    assert differences[0].label == "Important Note"
    assert differences[0].text.startswith(OWN_MEDICAL_NOTE)


def test_the_same_words_in_other_case_and_spacing_are_no_difference():
    stock = Disclaimer.objects.get(name="Medical note")
    text = importer.strip_html(stock.body).upper().replace(" ", "  ")
    parsed = importer.parse(
        f"# A title\n\nThe opening paragraph.\n\n**Important Note:** {text}\n",
        disclaimers=imports.disclaimer_hints(),
    )
    assert parsed.disclaimers == ["Medical note"]
    assert imports.disclaimer_differences(parsed) == []


def test_by_default_the_stock_text_is_attached_and_the_difference_is_reported():
    result = imports.import_article(draft=draft(), category=CategoryFactory())
    assert [d.name for d in result.article.disclaimers.all()] == [
        "Medical note",
        "FDA supplement statement",
    ]
    assert not result.own_disclaimers
    assert any("differs from the stock text; the stock text" in w for w in result.warnings)


def test_the_article_can_keep_its_own_wording_as_a_disclaimer_of_its_own():
    result = imports.import_article(draft=draft(), category=CategoryFactory(), own_disclaimers=True)
    article = result.article
    own = article.disclaimers.get(name=f"Medical note — {article.slug}")
    assert own.title == "Important Note"
    assert OWN_MEDICAL_NOTE in own.body
    assert not own.is_default
    # The stock disclaimer itself is untouched, and still attached to new articles.
    stock = Disclaimer.objects.get(name="Medical note")
    assert OWN_MEDICAL_NOTE not in stock.body and stock.is_default
    assert article.disclaimers.count() == 2
    assert not article.disclaimers.filter(name="Medical note").exists()


def test_updating_the_article_again_rewords_its_own_disclaimer_instead_of_adding_one():
    category = CategoryFactory()
    imports.import_article(draft=draft(), category=category, own_disclaimers=True)
    count = Disclaimer.objects.count()
    imports.import_article(
        draft=draft(), category=category, own_disclaimers=True, on_existing="update"
    )
    assert Disclaimer.objects.count() == count


def run_command(*args):
    out = io.StringIO()
    call_command("import_article", str(VITAMIN_D), "--category", "minerals", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_both_wordings_and_attaches_the_stock_text_by_default():
    CategoryFactory(slug="minerals")
    output = run_command()
    assert "Disclaimer “Medical note” is worded differently in the article; kept: the stock" in (
        output
    )
    assert f"The article's own: {OWN_MEDICAL_NOTE}" in output
    assert "Stock: This article is general information, not medical advice." in output
    article = Article.objects.get()
    assert article.disclaimers.filter(name="Medical note").exists()


def test_the_command_keeps_the_articles_own_wording_when_told():
    CategoryFactory(slug="minerals")
    output = run_command("--own-disclaimers")
    assert "kept: the article's own" in output
    article = Article.objects.get()
    assert article.disclaimers.filter(name=f"Medical note — {article.slug}").exists()


class TestPreview:
    def preview(self, client):
        return client.post(
            IMPORT_URL,
            {"text": VITAMIN_D.read_text(), "title": "", "category": CategoryFactory().pk},
        )

    def confirm_data(self, response):
        confirm = response.context["confirm"]
        return {name: confirm[name].value() or "" for name in confirm.fields}

    def test_the_preview_shows_both_wordings_and_asks_which(self, editor_client):
        response = self.preview(editor_client)
        content = response.content.decode()
        assert "The article words a disclaimer differently" in content
        assert OWN_MEDICAL_NOTE in content
        assert "This article is general information, not medical advice." in content
        assert 'name="disclaimer_wording"' in content

    def test_the_stock_text_is_the_choice_shown_first(self, editor_client):
        response = self.preview(editor_client)
        assert response.context["confirm"]["disclaimer_wording"].value() == "stock"

    def test_saving_without_a_choice_asks_again_and_saves_nothing(self, editor_client):
        data = self.confirm_data(self.preview(editor_client)) | {"disclaimer_wording": ""}
        response = editor_client.post(IMPORT_URL, data)
        assert response.status_code == 200
        assert "choose which wording to keep" in response.content.decode()
        assert not Article.objects.exists()

    def test_choosing_the_articles_own_wording_keeps_it(self, editor_client):
        data = self.confirm_data(self.preview(editor_client)) | {"disclaimer_wording": "own"}
        assert editor_client.post(IMPORT_URL, data).status_code == 302
        article = Article.objects.get()
        assert article.disclaimers.filter(name=f"Medical note — {article.slug}").exists()

    def test_choosing_the_stock_text_attaches_it(self, editor_client):
        data = self.confirm_data(self.preview(editor_client)) | {"disclaimer_wording": "stock"}
        assert editor_client.post(IMPORT_URL, data).status_code == 302
        assert Article.objects.get().disclaimers.filter(name="Medical note").exists()
