"""An import that repeats an article on the site (same address, title or text) says which
article and what matched, and offers update, new or cancel; the command's --update/--new decide,
and without either it stops with one line naming the match."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editing import imports
from articles.models import Article
from articles.textformat import importer
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
ZINC = SAMPLES / "zinc-immune-function.md"
IMPORT_URL = reverse("admin:articles_article_import")
#: An article editors may still write (a published one is a publisher's to update).
DRAFT = {"status": Article.Status.DRAFT, "publish_at": None}


def draft(**kwargs):
    return importer.parse(
        ZINC.read_text(), filename=ZINC.name, disclaimers=imports.disclaimer_hints(), **kwargs
    )


def imported(**kwargs):
    return imports.import_article(draft=draft(), category=CategoryFactory(), **kwargs).article


def test_nothing_matches_on_an_empty_site():
    assert imports.find_existing(draft()) == []


def test_the_same_title_in_other_case_under_another_address_matches():
    other = ArticleFactory(title="ZINC AND IMMUNE FUNCTION", slug="zinc-older")
    [match] = imports.find_existing(draft())
    assert (match.article, match.matched) == (other, ["title"])


def test_the_same_text_under_another_title_matches():
    original = imported()
    Article.objects.filter(pk=original.pk).update(title="Renamed", slug="renamed")
    [match] = imports.find_existing(draft())
    assert (match.article.pk, match.matched) == (original.pk, ["text"])


def test_the_text_match_ignores_markup_case_and_spacing():
    original = imported()
    section = original.sections.exclude(body="").first()
    section.body = section.body.upper().replace(" ", "  ")
    section.save()
    Article.objects.filter(pk=original.pk).update(title="Renamed", slug="renamed")
    assert [m.matched for m in imports.find_existing(draft())] == [["text"]]


def test_an_edited_text_no_longer_matches(django_capture_on_commit_callbacks):
    original = imported()
    section = original.sections.exclude(body="").first()
    section.body = "<p>Rewritten from scratch.</p>"
    with django_capture_on_commit_callbacks(execute=True):  # derived text follows at commit
        section.save()
    Article.objects.filter(pk=original.pk).update(title="Renamed", slug="renamed")
    assert imports.find_existing(draft()) == []


def test_the_article_at_the_address_comes_first_and_says_everything_that_matched():
    title_only = ArticleFactory(title="Zinc and immune function", slug="another-address")
    original = imported(on_existing="new")
    matches = imports.find_existing(draft())
    assert [m.article.pk for m in matches] == [original.pk, title_only.pk]
    assert matches[0].matched == ["slug", "title", "text"]
    assert matches[0].what == "address, title and text"


def test_the_title_look_up_is_one_query():
    ArticleFactory(title="Zinc and immune function", slug="another-address")
    parsed = draft()
    with CaptureQueriesContext(connection) as queries:
        imports.find_existing(parsed)
    assert len(queries) == 1
    assert "text_fingerprint" in queries[0]["sql"]


def test_an_import_repeating_a_title_is_refused_without_a_choice_and_saves_nothing():
    ArticleFactory(title="Zinc and Immune Function", slug="zinc-older")
    with pytest.raises(imports.ArticleExists, match="has the same title"):
        imported()
    assert Article.objects.count() == 1


def test_update_replaces_the_text_of_the_article_with_the_same_title():
    other = ArticleFactory(title="Zinc and Immune Function", slug="zinc-older")
    article = imported(on_existing="update")
    assert article.pk == other.pk and article.slug == "zinc-older"
    assert Article.objects.count() == 1


def test_new_makes_a_second_article():
    ArticleFactory(title="Zinc and Immune Function", slug="zinc-older")
    article = imported(on_existing="new")
    assert article.slug == "zinc-and-immune-function"
    assert Article.objects.count() == 2


class TestCommand:
    def run(self, *args):
        out = io.StringIO()
        call_command("import_article", str(ZINC), "--category", "minerals", *args, stdout=out)
        return out.getvalue()

    def test_stops_with_one_line_naming_the_match(self):
        CategoryFactory(slug="minerals")
        ArticleFactory(title="Zinc and Immune Function", slug="zinc-older")
        with pytest.raises(CommandError) as raised:
            self.run()
        message = str(raised.value)
        assert "“Zinc and Immune Function” (at “zinc-older”) has the same title." in message
        assert "--update" in message and "--new" in message and "\n" not in message
        assert Article.objects.count() == 1

    def test_update_and_new_decide(self):
        CategoryFactory(slug="minerals")
        older = ArticleFactory(title="Zinc and Immune Function", slug="zinc-older")
        self.run("--update")
        assert Article.objects.get().pk == older.pk
        self.run("--new")
        assert Article.objects.count() == 2


class TestPreview:
    def preview(self, client):
        return client.post(
            IMPORT_URL, {"text": ZINC.read_text(), "title": "", "category": CategoryFactory().pk}
        )

    def test_the_preview_names_the_article_and_what_matched_and_offers_three_ways(
        self, editor_client
    ):
        older = ArticleFactory(title="Zinc and Immune Function", slug="zinc-older", **DRAFT)
        content = self.preview(editor_client).content.decode()
        assert "This article is already on the site" in content
        assert "Same title as the article at “zinc-older”" in content
        assert reverse("admin:articles_article_change", args=[older.pk]) in content
        assert 'value="update"' in content and 'value="new"' in content
        assert "Cancel: save nothing" in content

    def test_saving_without_a_choice_saves_nothing(self, editor_client):
        ArticleFactory(title="Zinc and Immune Function", slug="zinc-older")
        response = self.preview(editor_client)
        confirm = response.context["confirm"]
        data = {name: confirm[name].value() or "" for name in confirm.fields}
        again = editor_client.post(IMPORT_URL, data)
        assert "choose whether to update it" in again.content.decode()
        assert Article.objects.count() == 1

    def test_choosing_update_replaces_the_matched_article(self, editor_client):
        older = ArticleFactory(title="Zinc and Immune Function", slug="zinc-older", **DRAFT)
        response = self.preview(editor_client)
        confirm = response.context["confirm"]
        data = {name: confirm[name].value() or "" for name in confirm.fields}
        assert editor_client.post(IMPORT_URL, data | {"on_existing": "update"}).status_code == 302
        older.refresh_from_db()
        assert older.sections.filter(heading="What Zinc Does").exists()
