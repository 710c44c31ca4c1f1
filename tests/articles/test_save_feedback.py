"""No surprises on save: required fields marked, each rule said beside its field before saving,
a refused save naming the section and field of each error, and nothing typed lost (a chosen
hero image, which no page can put back in the browser, is kept on the server: see
test_kept_upload.py)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.editing.unchanged import UNCHANGED_FIELD
from articles.models import Article
from tests.admin_forms import article_post_data, form_data_from_page
from tests.articles.test_admin import article_fields, full_article_inlines, row
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ReferenceFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")


def page(client):
    return client.get(ADD_URL).content.decode()


def refused(client, inlines, files=None):
    """POST the add page with `inlines`; the response, after checking nothing was saved."""
    data = article_post_data(article_fields(), **inlines) | (files or {})
    response = client.post(ADD_URL, data)
    assert response.status_code == 200
    assert not Article.objects.exists()
    return response


def places(response):
    return [
        (location.place, location.field, location.message)
        for location in response.context["error_locations"]
    ]


def png(name="hero.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


class TestBeforeSaving:
    def test_required_fields_are_marked_and_the_mark_explained(self, editor_client):
        content = page(editor_client)
        assert "Fields marked * are required" in content
        for name in ["title", "slug", "standfirst", "category"]:
            assert re.search(rf'<label class="required" for="id_{name}">', content), name
        # No one is made up: an article without an author is signed by the publisher.
        assert re.search(r'<label for="id_author">', content)
        assert "signed by the publisher" in content

    def test_category_says_it_is_required_beside_the_field(self, editor_client):
        assert "Required: where the article is listed on the site." in page(editor_client)

    def test_the_effect_figure_rule_is_beside_the_study_fields(self, editor_client):
        content = page(editor_client)
        assert "It must appear in the finding exactly as written here" in content
        assert "with the effect figure written exactly as in “effect figure”" in content

    def test_the_age_band_rule_is_on_the_rda_row_columns(self, editor_client):
        assert "Rows of the same life stage must not share an age" in page(editor_client)

    def test_the_cite_once_rule_is_on_the_reference_column(self, editor_client):
        content = page(editor_client)
        assert "Each reference once per article; the list is numbered in this order." in content

    def test_the_hero_image_says_beforehand_it_is_kept_after_an_error(self, editor_client):
        assert "the image you chose is kept for the next save" in page(editor_client)


class TestWhereTheErrorIs:
    def test_an_effect_figure_error_names_its_section_and_study(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["sections"][1]["studies"][0]["effect_figure"] = "0.9%"

        response = refused(editor_client, inlines)

        [(place, field, message)] = places(response)
        assert place == "Section 2 “Absorbing calcium”, study 1"
        assert field == "effect figure"
        assert "(“0.9%” is not in it)" in message
        content = response.content.decode()
        assert "Where the error is" in content
        assert 'href="#id_sections-1-studies-0-effect_figure"' in content

    def test_a_long_heading_is_cut_in_the_errors_place(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        heading = "Dosage and safety considerations for older adults on several medicines"
        inlines["sections"][1]["heading"] = heading
        inlines["sections"][1]["studies"][0]["year"] = 2099

        [(place, field, _message)] = places(refused(editor_client, inlines))

        assert place == "Section 2 “Dosage and safety considerations for ol…”, study 1"
        assert field == "year"

    def test_overlapping_age_bands_name_the_rda_table(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["rda_tables"][0]["rows"].append(row("men", 31, 50, "700", 3))

        [(place, field, message)] = places(refused(editor_client, inlines))

        assert place == "RDA table 1 “Vitamin D”, RDA rows"
        assert field == ""
        assert message.startswith("Two rows for Men cover the same ages")

    def test_a_row_error_names_the_table_and_row(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["rda_tables"][0]["rows"][1]["amount"] = "0"

        [(place, field, _message)] = places(refused(editor_client, inlines))

        assert (place, field) == ("RDA table 1 “Vitamin D”, row 2", "amount")

    def test_a_reference_cited_twice_names_the_reference_list(self, editor_client):
        reference = ReferenceFactory(title="Magnesium and aging")
        inlines = full_article_inlines(reference)
        inlines["citations"].append({"reference": reference.pk, "position": 2})

        [(place, _field, message)] = places(refused(editor_client, inlines))

        assert place == "References (numbered in this order)"
        assert "“Magnesium and aging” is cited twice" in message

    def test_a_missing_category_is_named_with_its_field(self, editor_client):
        data = article_post_data(
            article_fields(category=""), **full_article_inlines(ReferenceFactory())
        )
        response = editor_client.post(ADD_URL, data)
        assert ("Article", "category", "This field is required.") in places(response)


class TestNothingIsLost:
    def test_everything_typed_comes_back_with_the_error(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["sections"][1]["studies"][0]["effect_figure"] = "0.9%"

        content = refused(editor_client, inlines).content.decode()

        for typed in [
            "Vitamin D and bone density",
            "What the evidence says about vitamin D for older adults.",
            "How vitamin D works",
            "It helps absorb calcium.",
            "Bone density rose by 0.8% at one site only.",
            "Reid et al.",
            'value="0.9%"',
            "Food and Nutrition Board",
        ]:
            assert typed in content, typed

    def test_a_chosen_hero_image_is_kept_by_name(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["sections"][1]["studies"][0]["effect_figure"] = "0.9%"
        files = {"hero_image": png("capsules.png"), "hero_image_alt": "Capsules on a spoon"}

        response = refused(editor_client, inlines, files)

        content = response.content.decode()
        assert "Kept from your last attempt: <strong>capsules.png</strong>" in content
        assert [place for place, _field, _message in places(response)] == [
            "Section 2 “Absorbing calcium”, study 1"
        ]
        assert 'value="Capsules on a spoon"' in content

    def test_without_an_image_nothing_is_said_about_one(self, editor_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["sections"][1]["studies"][0]["effect_figure"] = "0.9%"
        content = refused(editor_client, inlines).content.decode()
        assert "Kept from your last attempt" not in content


def test_a_stored_articles_page_shows_its_references_with_the_cite_once_rule(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    CitationFactory(article=article, position=1)
    response = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="citations-0-position"' in content
    assert "Each reference once per article" in content


class TestRefusedSaveOfALongArticle:
    """What the page's script posts: the touched section with the position django-nested-admin
    gave it on submit (counted from 0), the others left out with theirs (editing/unchanged.py)."""

    @pytest.fixture
    def article(self):
        article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        for position, heading in enumerate(["Intro", "Dosage", "Safety"], start=1):
            section = SectionFactory(article=article, position=position, heading=heading)
            StudyFactory(section=section, finding="Colds were 40% shorter.", effect_figure="40%")
        return article

    def post_touching_the_second_section(self, client, article, **study_fields):
        url = reverse("admin:articles_article_change", args=[article.pk])
        data = form_data_from_page(client.get(url).content.decode())
        posted = {
            name: value
            for name, value in data.items()
            if not re.match(r"sections-[02]-", name) and not name.endswith("-position")
        }
        posted |= {f"sections-1-studies-0-{name}": value for name, value in study_fields.items()}
        posted |= {"sections-1-position": "1", "sections-1-studies-0-position": "0"}
        ids = [data["sections-0-id"], data["sections-2-id"]]
        posted[UNCHANGED_FIELD] = f"0:{ids[0]}:0,2:{ids[1]}:2"
        return client.post(url, posted)

    def test_the_error_is_named_and_the_page_comes_back(self, editor_client, article):
        response = self.post_touching_the_second_section(
            editor_client, article, effect_figure="45%"
        )
        assert response.status_code == 200
        [(place, field, _message)] = places(response)
        assert (place, field) == ("Section 2 “Dosage”, study 1", "effect figure")

    def test_the_sections_keep_their_order(self, editor_client, article):
        response = self.post_touching_the_second_section(
            editor_client, article, finding="Colds were 40% shorter in adults."
        )
        assert response.status_code == 302
        sections = article.sections.order_by("position")
        assert [(s.heading, s.position) for s in sections] == [
            ("Intro", 0),
            ("Dosage", 1),
            ("Safety", 2),
        ]
