"""A prepared query gives what its queryset gives, compiled once (hslhealing/prepared_queries)."""

import pytest

from articles.models import Citation, Section
from hslhealing.prepared_queries import PreparedQuery
from references.models import Reference
from tests.factories import ArticleFactory, CitationFactory, SectionFactory

pytestmark = pytest.mark.django_db


def field_values(instances):
    return [
        {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.fields}
        for instance in instances
    ]


def references_cited_by(article_id):
    return Reference.objects.filter(citations__article_id=article_id).order_by(
        "-citations__position"
    )


def test_a_prepared_query_gives_the_queryset_rows_in_its_order_with_the_same_values():
    article, other = ArticleFactory(), ArticleFactory()
    for position in (3, 1, 2):
        CitationFactory(article=article, position=position)
    CitationFactory(article=other)
    prepared = PreparedQuery(references_cited_by)
    rows = list(prepared(article.pk))
    assert [reference.pk for reference in rows] == [
        reference.pk for reference in references_cited_by(article.pk)
    ]
    assert len(rows) == 3
    assert field_values(rows) == field_values(references_cited_by(article.pk))
    assert all(isinstance(reference, Reference) for reference in rows)


def test_a_prepared_query_is_compiled_once_and_run_with_each_new_value():
    first, second = ArticleFactory(), ArticleFactory()
    SectionFactory(article=first, heading="First's")
    SectionFactory(article=second, heading="Second's")
    built = []

    def sections_of(article_id):
        built.append(article_id)
        return Section.objects.filter(article_id=article_id)

    prepared = PreparedQuery(sections_of)
    assert [section.heading for section in prepared(first.pk)] == ["First's"]
    assert [section.heading for section in prepared(second.pk)] == ["Second's"]
    assert list(prepared(second.pk + first.pk + 1000)) == []
    assert len(built) == 1


class ReadsRecorded:
    """A database router that sends every read to the primary, noting each model read."""

    models_read = []

    def db_for_read(self, model, **hints):
        self.models_read.append(model)
        return "default"


def test_a_prepared_query_reads_from_the_database_the_routers_choose(settings):
    settings.DATABASE_ROUTERS = [f"{__name__}.ReadsRecorded"]
    section = SectionFactory()
    prepared = PreparedQuery(lambda article_id: Section.objects.filter(article_id=article_id))
    ReadsRecorded.models_read.clear()
    rows = prepared(section.article_id)
    assert ReadsRecorded.models_read == [Section]
    assert rows.db == "default"
    assert [row.pk for row in rows] == [section.pk]


@pytest.mark.parametrize(
    "build",
    [
        # A second parameter, which the prepared SQL would keep at its first value.
        lambda article_id: Section.objects.filter(article_id=article_id, heading="Dosage"),
        # A query that does not use its value at all.
        lambda article_id: Citation.objects.filter(position=2),
    ],
    ids=["another parameter", "value unused"],
)
def test_a_query_whose_only_parameter_is_not_its_value_is_refused(build):
    with pytest.raises(ValueError, match="exactly one parameter"):
        PreparedQuery(build)(1)
