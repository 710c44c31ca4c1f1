"""The content model's rules: publishing, scheduling, constraints and the messages editors see."""

import datetime
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article, Disclaimer, RDARow, RelatedArticle
from articles.site.outline import build_outline
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

HOUR = datetime.timedelta(hours=1)


def messages(error, field):
    return error.value.message_dict[field]


class TestPublished:
    def test_published_includes_live_articles_only(self):
        live = ArticleFactory()
        ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        ArticleFactory(status=Article.Status.IN_REVIEW, publish_at=None)
        ArticleFactory(status=Article.Status.ARCHIVED, publish_at=timezone.now() - HOUR)
        assert list(Article.objects.published()) == [live]

    def test_scheduled_article_goes_live_when_its_time_comes(self):
        article = ArticleFactory(publish_at=timezone.now() + HOUR)
        assert article not in Article.objects.published()
        assert article in Article.objects.scheduled()
        assert article.is_scheduled and not article.is_live

        article.publish_at = timezone.now() - datetime.timedelta(seconds=1)
        article.save()
        assert article in Article.objects.published()
        assert article not in Article.objects.scheduled()

    def test_publishing_without_a_time_publishes_now(self):
        article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        article.status = Article.Status.PUBLISHED
        article.full_clean()
        article.save()
        assert article.publish_at <= timezone.now()
        assert article in Article.objects.published()

    def test_database_refuses_published_article_without_publish_time(self):
        article = ArticleFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(publish_at=None)


class TestArticleValidation:
    def test_hero_image_needs_a_description(self):
        article = ArticleFactory.build(hero_image="articles/hero/x.png", hero_image_alt=" ")
        with pytest.raises(ValidationError) as error:
            article.clean()
        assert "Describe the hero image" in messages(error, "hero_image_alt")[0]

    def test_review_needs_reviewer_and_date_together(self):
        article = ArticleFactory.build(reviewed_on=datetime.date(2025, 1, 1))
        with pytest.raises(ValidationError) as error:
            article.clean()
        assert messages(error, "medical_reviewer") == ["Choose who carried out the medical review."]

        article = ArticleFactory.build(medical_reviewer=ContributorFactory())
        with pytest.raises(ValidationError) as error:
            article.clean()
        assert messages(error, "reviewed_on") == ["Enter the date of the medical review."]

    def test_review_date_cannot_be_in_the_future(self):
        article = ArticleFactory.build(
            medical_reviewer=ContributorFactory(),
            reviewed_on=timezone.localdate() + datetime.timedelta(days=2),
        )
        with pytest.raises(ValidationError) as error:
            article.clean()
        assert messages(error, "reviewed_on") == ["A review date cannot be in the future."]

    def test_slug_is_unique(self):
        ArticleFactory(slug="zinc")
        with pytest.raises(ValidationError) as error:
            ArticleFactory.build(slug="zinc", category=ArticleFactory().category).validate_unique()
        assert "slug" in error.value.message_dict

    def test_meta_description_falls_back_to_standfirst(self):
        article = ArticleFactory.build(meta_description="", standfirst="Short and clear.")
        assert article.get_meta_description() == "Short and clear."


class TestStudies:
    def test_effect_figure_must_appear_in_the_finding(self):
        study = StudyFactory.build(finding="Colds were shorter.", effect_figure="33%")
        with pytest.raises(ValidationError) as error:
            study.clean()
        assert "“33%” is not in it" in messages(error, "effect_figure")[0]

    def test_study_year_cannot_be_in_the_future(self):
        study = StudyFactory.build(year=timezone.localdate().year + 1)
        with pytest.raises(ValidationError) as error:
            study.clean()
        assert messages(error, "year") == ["A study cannot be from a future year."]

    def test_studies_keep_their_order_within_a_section(self):
        section = SectionFactory()
        second = StudyFactory(section=section, position=2)
        first = StudyFactory(section=section, position=1)
        assert list(section.studies.all()) == [first, second]

    def test_citation_text_names_authors_and_year(self):
        assert StudyFactory.build(authors="Xu et al.", year=2013).citation_text == "Xu et al., 2013"


class TestRDATables:
    def test_amount_must_be_positive(self):
        row = RDARowFactory.build(table=RDATableFactory(), amount=0)
        with pytest.raises(ValidationError) as error:
            row.full_clean()
        assert messages(error, "amount") == ["The amount must be above zero."]

    def test_database_refuses_a_non_positive_amount(self):
        row = RDARowFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            RDARow.objects.filter(pk=row.pk).update(amount=-5)

    def test_age_band_reads_like_the_nih_tables(self):
        assert RDARowFactory.build(age_from=19, age_to=30).age_band == "19–30 years"
        assert RDARowFactory.build(age_from=31, age_to=None).age_band == "31 years and older"

    @pytest.mark.parametrize(
        ("first", "second", "overlap"),
        [
            ((19, 30), (31, None), False),
            ((19, 30), (30, 50), True),
            ((31, None), (51, 70), True),
            ((19, 30), (19, 30), True),
        ],
    )
    def test_overlapping_age_bands_for_one_life_stage(self, first, second, overlap):
        a = RDARow(life_stage="men", age_from=first[0], age_to=first[1])
        b = RDARow(life_stage="men", age_from=second[0], age_to=second[1])
        assert a.overlaps(b) is overlap

    def test_same_ages_for_different_life_stages_do_not_overlap(self):
        men = RDARow(life_stage="men", age_from=19, age_to=30)
        women = RDARow(life_stage="women", age_from=19, age_to=30)
        assert not men.overlaps(women)

    def test_months_and_years_are_compared_on_one_scale(self):
        infants = RDARow(life_stage="infants", age_from=7, age_to=12, age_unit="months")
        toddlers = RDARow(life_stage="infants", age_from=1, age_to=3, age_unit="years")
        assert not infants.overlaps(toddlers)
        assert RDARow(life_stage="infants", age_from=0, age_to=1).overlaps(infants)

    def test_an_article_may_have_several_tables(self):
        article = ArticleFactory()
        RDATableFactory(article=article, nutrient="Magnesium")
        RDATableFactory(article=article, nutrient="Vitamin B12", unit="mcg")
        assert article.rda_tables.count() == 2


class TestRelatedArticles:
    def test_an_article_cannot_be_related_to_itself(self):
        article = ArticleFactory()
        link = RelatedArticle(article=article, related=article)
        with pytest.raises(ValidationError) as error:
            link.clean()
        assert messages(error, "related") == ["An article cannot be related to itself."]
        with pytest.raises(IntegrityError), transaction.atomic():
            link.save()

    def test_related_articles_keep_the_editors_order(self):
        article, first, second = ArticleFactory(), ArticleFactory(), ArticleFactory()
        RelatedArticle.objects.create(article=article, related=second, position=2)
        RelatedArticle.objects.create(article=article, related=first, position=1)
        assert [link.related for link in article.related_links.all()] == [first, second]


class TestDisclaimers:
    def test_the_two_standard_disclaimers_exist_after_migrate(self):
        defaults = Disclaimer.objects.defaults()
        assert [d.title for d in defaults] == [
            "Important Note",
            "About dietary supplements and other non-prescription products",
        ]
        assert "Food and Drug Administration" in defaults[1].body


class TestOutline:
    def test_numbered_subsections_sit_under_their_parent(self):
        article = ArticleFactory()
        parent = SectionFactory(article=article, position=1, heading="How it works")
        parent.number_subsections = True
        parent.save()
        SectionFactory(article=article, position=2, heading="Calcium", level=3)
        SectionFactory(article=article, position=3, heading="Myelin", level=3)
        SectionFactory(article=article, position=4, heading="Practical use")
        SectionFactory(article=article, position=5, heading="Daily dose", level=3)

        outline = build_outline(article.sections.all(), {})

        assert [entry.title for entry in outline] == ["How it works", "Practical use"]
        assert [child.title for child in outline[0].children] == ["1. Calcium", "2. Myelin"]
        assert [child.title for child in outline[1].children] == ["Daily dose"]

    def test_anchors_are_unique_and_the_intro_has_none_in_the_contents(self):
        article = ArticleFactory()
        SectionFactory(article=article, position=1, heading="")
        SectionFactory(article=article, position=2, heading="Dosage")
        SectionFactory(article=article, position=3, heading="Dosage")
        anchors = [entry.anchor for entry in build_outline(article.sections.all(), {})]
        assert anchors == ["introduction", "dosage", "dosage-2"]

    def test_studies_get_the_number_of_their_reference(self):
        article = ArticleFactory()
        CitationFactory(article=article, position=1)
        second = CitationFactory(article=article, position=2)
        section = SectionFactory(article=article)
        cited = StudyFactory(section=section, reference=second.reference)
        uncited = StudyFactory(section=section, reference=None)

        outline = build_outline(article.sections.all(), article.reference_numbers())

        numbers = {study.pk: study.reference_number for study in outline[0].callouts}
        assert numbers == {cited.pk: 2, uncited.pk: None}


class TestWordCount:
    """The stored word count follows every text it counts, however it is saved. It is
    refreshed when the transaction commits, so each change here is committed as a real save
    is (the test's own transaction is never committed)."""

    def stored(self, article):
        return Article.objects.values_list("word_count", flat=True).get(pk=article.pk)

    def test_counts_standfirst_sections_and_findings(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            article = ArticleFactory(standfirst="Four words right here.")
            section = SectionFactory(
                article=article, heading="Two words", body="<p>a b</p><p>c</p>"
            )
            StudyFactory(section=section, finding="Cut colds by 20%.", effect_figure="20%")
        assert self.stored(article) == 4 + 2 + 3 + 4

    def test_follows_changes_and_deletions(self, django_capture_on_commit_callbacks):
        commit = partial(django_capture_on_commit_callbacks, execute=True)
        with commit():
            article = ArticleFactory(standfirst="One.")
            section = SectionFactory(article=article, heading="Heading", body="<p>x y z</p>")
            study = StudyFactory(section=section, finding="Two words.", effect_figure="")
        assert self.stored(article) == 1 + 1 + 3 + 2
        with commit():
            study.delete()
        assert self.stored(article) == 1 + 1 + 3
        section.body = "<p>x</p>"
        with commit():
            section.save()
        assert self.stored(article) == 1 + 1 + 1
        article.standfirst = "Now three words."
        with commit():
            article.save()
        assert self.stored(article) == 3 + 1 + 1
        with commit():
            section.delete()
        assert self.stored(article) == 3
