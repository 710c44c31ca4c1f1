"""factory_boy factories for the content model. A plain `ArticleFactory()` is a live article."""

import datetime

import factory
from django.utils import timezone

from articles.models import (
    Article,
    Category,
    Citation,
    Contributor,
    Disclaimer,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    Tag,
)
from tests.references.factories import ReferenceFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ContributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contributor

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Zinc and immune health, part {n}")
    slug = factory.Sequence(lambda n: f"zinc-immune-health-{n}")
    standfirst = "What the trials say about zinc lozenges and the common cold."
    category = factory.SubFactory(CategoryFactory)
    author = factory.SubFactory(ContributorFactory)
    status = Article.Status.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def default_disclaimers(article, create, extracted, **kwargs):
        if create:
            article.disclaimers.set(Disclaimer.objects.defaults())


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    article = factory.SubFactory(ArticleFactory)
    position = factory.Sequence(lambda n: n)
    heading = factory.Sequence(lambda n: f"What zinc does, part {n}")
    body = "<p>Zinc supports dozens of enzymes.</p>"


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study

    section = factory.SubFactory(SectionFactory)
    label = "Clinical Insight"
    journal = "Journal of Trace Elements"
    authors = "Lind et al."
    year = 2019
    finding = "Lozenges shortened colds by 33% on average."
    effect_figure = "33%"
    study_type = Study.StudyType.SYSTEMATIC_REVIEW


class RDATableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RDATable

    article = factory.SubFactory(ArticleFactory)
    nutrient = "Zinc"
    unit = RDATable.Unit.MG


class RDARowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RDARow

    table = factory.SubFactory(RDATableFactory)
    life_stage = RDARow.LifeStage.MEN
    age_from = 19
    age_to = None
    amount = 11


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    article = factory.SubFactory(ArticleFactory)
    reference = factory.SubFactory(ReferenceFactory)
    position = factory.Sequence(lambda n: n)


class RelatedArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedArticle

    article = factory.SubFactory(ArticleFactory)
    related = factory.SubFactory(ArticleFactory)
