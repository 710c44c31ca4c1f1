"""The editors' admin: a whole article on one page, for superusers and for the Editors group."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Article, Disclaimer
from tests.admin_forms import article_post_data
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    CitationFactory,
    ContributorFactory,
    ReferenceFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture(params=["superuser", "editor"])
def staff_client(request, client, admin_user, editor):
    client.force_login(admin_user if request.param == "superuser" else editor)
    return client


def article_fields(**overrides):
    fields = {
        "title": "Vitamin D and bone density",
        "slug": "vitamin-d-bone-density",
        "standfirst": "What the evidence says about vitamin D for older adults.",
        "category": CategoryFactory().pk,
        "author": ContributorFactory().pk,
        "status": Article.Status.DRAFT,
        "publish_at_0": "",
        "publish_at_1": "",
        "disclaimers": [d.pk for d in Disclaimer.objects.defaults()],
    }
    return fields | overrides


def full_article_inlines(reference):
    return {
        "sections": [
            {
                "heading": "How vitamin D works",
                "level": 2,
                "number_subsections": "on",
                "body": "<p>It helps absorb calcium.</p><ul><li>Bones</li></ul>",
                "position": 1,
                "studies": [],
            },
            {
                "heading": "Absorbing calcium",
                "level": 3,
                "body": "<p>More calcium reaches the bones.</p>",
                "position": 2,
                "studies": [
                    {
                        "display": "callout",
                        "label": "Clinical Insight",
                        "authors": "Reid et al.",
                        "year": 2014,
                        "journal": "The Lancet",
                        "study_type": "systematic_review",
                        "finding": "Bone density rose by 0.8% at one site only.",
                        "effect_figure": "0.8%",
                        "reference": reference.pk,
                        "position": 1,
                    }
                ],
            },
        ],
        "rda_tables": [
            {
                "nutrient": "Vitamin D",
                "unit": "IU",
                "source_note": "Food and Nutrition Board",
                "upper_limit": "4000",
                "upper_limit_applies_to": "adults",
                "position": 1,
                "rows": [
                    row("men", 19, 70, "600", 1),
                    row("men", 71, None, "800", 2),
                ],
            }
        ],
        "citations": [{"reference": reference.pk, "position": 1}],
    }


def row(stage, age_from, age_to, amount, position):
    return {
        "life_stage": stage,
        "age_from": age_from,
        "age_to": age_to,
        "age_unit": "years",
        "amount": amount,
        "intake_type": "rda",
        "position": position,
    }


class TestAddAndChange:
    def test_add_page_opens_with_the_standard_disclaimers_ticked(self, staff_client):
        response = staff_client.get(ADD_URL)
        assert response.status_code == 200
        initial = response.context["adminform"].form.initial["disclaimers"]
        assert list(initial) == list(Disclaimer.objects.defaults())

    def test_a_whole_article_is_written_on_one_page(self, staff_client):
        reference = ReferenceFactory()
        data = article_post_data(article_fields(), **full_article_inlines(reference))

        response = staff_client.post(ADD_URL, data)

        assert response.status_code == 302, response.context["errors"]
        article = Article.objects.get(slug="vitamin-d-bone-density")
        sections = list(article.sections.all())
        assert [s.heading for s in sections] == ["How vitamin D works", "Absorbing calcium"]
        assert sections[1].level == 3 and sections[0].number_subsections
        assert sections[1].studies.get().effect_figure == "0.8%"
        table = article.rda_tables.get()
        assert [(r.life_stage, r.age_band, r.amount) for r in table.rows.all()] == [
            ("men", "19–70 years", 600),
            ("men", "71 years and older", 800),
        ]
        assert list(article.citations.values_list("reference", flat=True)) == [reference.pk]
        assert article.disclaimers.count() == 2

    def test_change_page_opens_and_saves(self, staff_client):
        article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        section = SectionFactory(article=article, heading="Old heading", position=1)
        assert staff_client.get(change_url(article)).status_code == 200

        data = article_post_data(
            article_fields(title="New title", slug=article.slug),
            sections=[
                {
                    "id": section.pk,
                    "article": article.pk,
                    "heading": "New heading",
                    "level": 2,
                    "body": "<p>Text</p>",
                    "position": 1,
                }
            ],
        )
        response = staff_client.post(change_url(article), data)

        assert response.status_code == 302, response.context["errors"]
        article.refresh_from_db()
        section.refresh_from_db()
        assert (article.title, section.heading) == ("New title", "New heading")

    def test_script_sent_by_the_browser_is_not_stored(self, staff_client):
        data = article_post_data(
            article_fields(),
            sections=[
                {
                    "heading": "Safe",
                    "level": 2,
                    "body": '<p onclick="steal()">Hi</p><script>steal()</script>',
                    "position": 1,
                }
            ],
        )
        assert staff_client.post(ADD_URL, data).status_code == 302
        body = Article.objects.get(slug="vitamin-d-bone-density").sections.get().body
        assert body == "<p>Hi</p>"

    def test_a_study_reference_missing_from_the_list_is_added_to_it(self, staff_client):
        reference = ReferenceFactory()
        inlines = full_article_inlines(reference)
        inlines["citations"] = []
        assert (
            staff_client.post(ADD_URL, article_post_data(article_fields(), **inlines)).status_code
            == 302
        )
        article = Article.objects.get(slug="vitamin-d-bone-density")
        assert list(article.citations.values_list("reference", flat=True)) == [reference.pk]


class TestValidationMessages:
    def test_overlapping_age_bands_are_refused_and_nothing_is_lost(self, staff_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["rda_tables"][0]["rows"].append(row("men", 31, 50, "700", 3))

        response = staff_client.post(ADD_URL, article_post_data(article_fields(), **inlines))

        assert response.status_code == 200
        assert not Article.objects.exists()
        content = response.content.decode()
        assert "Two rows for Men cover the same ages (19–70 years and 31–50 years)" in content
        assert "How vitamin D works" in content

    def test_citing_a_reference_twice_is_refused_clearly(self, staff_client):
        reference = ReferenceFactory(title="Magnesium and aging")
        inlines = full_article_inlines(reference)
        inlines["citations"].append({"reference": reference.pk, "position": 2})

        response = staff_client.post(ADD_URL, article_post_data(article_fields(), **inlines))

        assert response.status_code == 200
        assert "“Magnesium and aging” is cited twice" in response.content.decode()
        assert not Article.objects.exists()

    def test_a_zero_amount_is_refused(self, staff_client):
        inlines = full_article_inlines(ReferenceFactory())
        inlines["rda_tables"][0]["rows"][0]["amount"] = "0"
        response = staff_client.post(ADD_URL, article_post_data(article_fields(), **inlines))
        assert "The amount must be above zero." in response.content.decode()

    def test_relating_an_article_to_itself_is_refused(self, staff_client):
        article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        data = article_post_data(
            article_fields(slug=article.slug, title=article.title),
            related_links=[{"related": article.pk, "position": 1}],
        )
        response = staff_client.post(change_url(article), data)
        assert response.status_code == 200
        assert "An article cannot be related to itself." in response.content.decode()


class TestChangelist:
    def test_changelist_runs_a_fixed_number_of_queries(
        self, admin_client, django_assert_max_num_queries
    ):
        def load():
            with django_assert_max_num_queries(12):
                response = admin_client.get(reverse("admin:articles_article_changelist"))
            assert response.status_code == 200
            return response

        CitationFactory(article=ArticleFactory(medical_reviewer=None))
        load()
        reviewer = ContributorFactory()
        for article in ArticleFactory.create_batch(30):
            article.medical_reviewer, article.reviewed_on = reviewer, "2025-01-01"
            article.save()
            CitationFactory.create_batch(2, article=article)
        assert '<td class="field-reference_count">2</td>' in load().content.decode()

    def test_changelist_of_ten_thousand_articles_runs_the_queries_of_one(self, admin_client):
        url = reverse("admin:articles_article_changelist")
        first = ArticleFactory()
        with CaptureQueriesContext(connection) as one:
            assert admin_client.get(url).status_code == 200
        Article.objects.bulk_create(
            Article(
                title=f"Generated article {number}",
                slug=f"generated-article-{number}",
                category=first.category,
                author=first.author,
                status=Article.Status.PUBLISHED,
                publish_at=first.publish_at,
            )
            for number in range(9_999)
        )
        with CaptureQueriesContext(connection) as ten_thousand:
            response = admin_client.get(url)
        assert response.context["cl"].result_count == 10_000
        assert len(ten_thousand) == len(one)

    def test_changelist_filters_on_status_and_searches_titles(self, admin_client):
        ArticleFactory(title="Magnesium for sleep")
        ArticleFactory(title="Iron in pregnancy", status=Article.Status.DRAFT, publish_at=None)
        url = reverse("admin:articles_article_changelist")
        assert (
            "Iron in pregnancy"
            not in admin_client.get(url, {"status__exact": "published"}).content.decode()
        )
        found = admin_client.get(url, {"q": "sleep"}).content.decode()
        assert "Magnesium for sleep" in found and "Iron in pregnancy" not in found


class TestEditorsGroup:
    def test_editors_can_write_but_not_delete_articles(self, editor):
        assert editor.has_perms(["articles.add_article", "articles.change_article"])
        assert editor.has_perms(["articles.delete_section", "references.add_reference"])
        assert not editor.has_perm("articles.delete_article")
        assert not editor.has_perm("articles.change_disclaimer")
        assert not editor.has_perm("auth.change_user")

    def test_editors_group_has_exactly_its_listed_permissions(self):
        codenames = set(
            Permission.objects.filter(group=Group.objects.get(name="Editors")).values_list(
                "codename", flat=True
            )
        )
        assert "delete_article" not in codenames
        assert {"add_article", "change_article", "view_article", "add_citation"} <= codenames
        assert {"view_sitepage", "change_sitepage"} <= codenames, "the editorial policy"
        assert not {"add_sitepage", "delete_sitepage"} & codenames
        assert len(codenames) == 37

    def test_editor_cannot_open_the_user_admin(self, editor_client):
        assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403

    def test_reference_autocomplete_finds_by_title(self, editor_client):
        ReferenceFactory(title="Magnesium in the Central Nervous System")
        response = editor_client.get(
            reverse("admin:autocomplete"),
            {
                "term": "central",
                "app_label": "articles",
                "model_name": "citation",
                "field_name": "reference",
            },
        )
        assert [r["text"] for r in response.json()["results"]] == [
            "Magnesium in the Central Nervous System"
        ]


def test_study_inline_is_nested_in_sections(admin_client):
    study = StudyFactory()
    response = admin_client.get(change_url(study.section.article))
    assert 'name="sections-0-studies-0-authors"' in response.content.decode()
