"""Export an article to Markdown, import it as a new article: the same article comes back."""

from pathlib import Path

import pytest

from articles.demo import MAIN_SLUG, load_demo
from articles.editing import imports
from articles.models import Article, Study
from articles.textformat import importer
from articles.textformat.markdown import article_markdown
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    CitationFactory,
    ContributorFactory,
    RDARowFactory,
    RDATableFactory,
    ReferenceFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"


def snapshot(article):
    """Everything the round trip must keep, in order."""
    return {
        "title": article.title,
        "standfirst": article.standfirst,
        "attribution": article.attribution,
        "sections": [
            (
                section.heading,
                section.level,
                section.number_subsections,
                section.body,
                [
                    (
                        study.label,
                        study.journal,
                        study.authors,
                        study.year,
                        study.finding,
                        study.effect_figure,
                        study.display,
                        study.study_type,
                        study.reference.url if study.reference else None,
                    )
                    for study in section.studies.all()
                ],
            )
            for section in article.sections.all()
        ],
        "rda_tables": [
            (
                table.nutrient,
                table.unit,
                table.source_note,
                table.upper_limit,
                table.upper_limit_applies_to,
                [
                    (
                        row.life_stage,
                        row.age_from,
                        row.age_to,
                        row.age_unit,
                        row.amount,
                        row.intake_type,
                    )
                    for row in table.rows.all()
                ],
            )
            for table in article.rda_tables.all()
        ],
        "citations": [citation.reference.url for citation in article.citations.all()],
        "related": [link.related.title for link in article.related_links.all()],
        "disclaimers": [disclaimer.name for disclaimer in article.disclaimers.all()],
    }


def import_as_new(text, article):
    draft = importer.parse(text, filename="export.md", disclaimers=imports.disclaimer_hints())
    result = imports.import_article(
        draft=draft, category=article.category, author=article.author, on_existing="new"
    )
    return draft, result.article


def test_the_demo_article_survives_export_and_import():
    load_demo()
    demo = Article.objects.get(slug=MAIN_SLUG)
    text = article_markdown(demo)

    draft, copy = import_as_new(text, demo)

    assert (
        copy.pk != demo.pk
        and copy.slug == "how-magnesium-glycinate-supports-better-nerve-conduction"
    )
    assert draft.warnings == []
    assert snapshot(copy) == snapshot(demo)
    assert article_markdown(copy) == text


def test_the_demo_keeps_its_numbered_sub_sections_call_outs_and_in_text_figures():
    load_demo()
    demo = Article.objects.get(slug=MAIN_SLUG)
    _draft, copy = import_as_new(article_markdown(demo), demo)
    numbered = copy.sections.get(heading="How Magnesium Glycinate Enhances Nerve Conduction")
    assert numbered.number_subsections
    displays = Study.objects.filter(section__article=copy).values_list("display", flat=True)
    assert sorted(displays).count(Study.Display.IN_TEXT) == 2
    assert copy.citations.count() == 6 and copy.related_links.count() == 2


@pytest.mark.parametrize("name", ["vitamin-d-bone-health.txt", "zinc-immune-function.md"])
def test_an_imported_sample_survives_export_and_import(name):
    ArticleFactory(title="Calcium and Bone Density: What the Evidence Says")
    ArticleFactory(title="Vitamin C and Colds: Separating Fact From Fiction")
    path = SAMPLES / name
    draft = importer.parse(
        importer.read_bytes(path.read_bytes()),
        filename=name,
        disclaimers=imports.disclaimer_hints(),
    )
    first = imports.import_article(
        draft=draft, category=CategoryFactory(), author=ContributorFactory()
    ).article

    _draft, second = import_as_new(article_markdown(first), first)

    assert snapshot(second) == snapshot(first)


def test_look_alikes_in_the_text_stay_text():
    """Body text that reads like a study, an intake row, a note or Markdown is written so it
    comes back as the same text, and no study appears that the article did not have."""
    article = ArticleFactory(attribution="Adapted with permission from the Iron Council.")
    reference = ReferenceFactory(url="https://www.example.org/iron/review")
    CitationFactory(article=article, reference=reference, position=1)
    body = (
        "<p>5 * 2 = 10, [not a link] and &lt;b&gt; as text; C# stays.</p>"
        "<p># not a heading</p>"
        "<p>1. not a list</p>"
        "<ol><li>First step</li><li>Second step<ul><li>a detail</li></ul></li></ol>"
        "<blockquote><p>Iron matters (Smith et al., 2019).</p></blockquote>"
        "<p>Source: the editors' notes.</p>"
        "<p>Cited in the text: nothing.</p>"
        "<ul><li>Men aged 19-30: 8 mg/day</li></ul>"
        "<ul><li><strong>Key trial:</strong> A study found that iron helped (Park et al., "
        "2018).</li></ul>"
        "<p>An uncited claim (Lee et al., 2020) and a line<br>break.</p>"
        "<p>H<sub>2</sub>O, x<sup>2</sup>, <em>italic</em>, "
        '<a href="https://www.example.org/iron">a link</a>.</p>'
        "<p>Important Note: take iron with food.</p>"
    )
    heading = SectionFactory(article=article, heading="Practical: Iron #1", position=1, body=body)
    sub = SectionFactory(article=article, heading="2. Not numbered", level=3, position=2, body="")
    StudyFactory(
        section=heading,
        label="",
        journal="",
        study_type="",
        finding="A trial in adults found that 40% felt better (Kim, 2020 data).",
        effect_figure="",
        reference=reference,
    )
    StudyFactory(
        section=sub,
        display=Study.Display.IN_TEXT,
        label="",
        journal="",
        study_type=Study.StudyType.IN_VITRO,
        finding="Cells took up more iron.",
        effect_figure="",
        authors="World Health Organization",
        year=2021,
    )
    table = RDATableFactory(article=article, nutrient="Iron", unit="mg")
    RDARowFactory(
        table=table,
        life_stage="infants",
        age_from=7,
        age_to=12,
        age_unit="months",
        amount="11",
        intake_type="ai",
    )
    RDARowFactory(table=table, life_stage="men", age_from=19, age_to=None, amount="8.5")

    _draft, copy = import_as_new(article_markdown(article), article)

    assert snapshot(copy) == snapshot(article)
