"""Export an article to Markdown, import it as a new article: the same article comes back."""

from pathlib import Path

import pytest

from articles.demo import MAIN_SLUG, load_demo
from articles.editing import imports
from articles.models import Article, Disclaimer, PendingRelatedTitle, RelatedArticle, Study
from articles.textformat import importer
from articles.textformat.draft import read_bytes
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
    """Everything the round trip must keep, in order: every field of every part readers or
    editors see (ids, addresses and timestamps aside)."""
    positions = list(article.sections.values_list("pk", flat=True))
    related_links = article.related_links.select_related("related")
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
        "table_places": [
            (
                positions.index(table.section_id) if table.section_id else None,
                table.after_paragraph,
            )
            for table in article.rda_tables.all()
        ],
        "citations": [citation.reference.url for citation in article.citations.all()],
        "related": sorted(
            [
                *((link.position, "linked", link.related.title) for link in related_links),
                *((p.position, "pending", p.title) for p in article.pending_related.all()),
            ]
        ),
        # A stock disclaimer by its name; the article's own wording by its title and text
        # (its name carries the article's address, which a copy cannot share).
        "disclaimers": [
            (
                disclaimer.name if disclaimer.is_default else "own",
                disclaimer.title,
                importer.strip_html(disclaimer.body),
            )
            for disclaimer in article.disclaimers.all()
        ],
    }


def import_as_new(text, article):
    draft = importer.parse(text, filename="export.md", disclaimers=imports.disclaimer_hints())
    result = imports.import_article(
        draft=draft,
        category=article.category,
        author=article.author,
        on_existing="new",
        own_disclaimers=article.disclaimers.filter(is_default=False).exists(),
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
        read_bytes(path.read_bytes()),
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


def generated_article(*, own_disclaimer):
    """An article built part by part (factory_boy): an introduction and sections of both
    levels, numbered and not; studies of each display kind (a call-out, a figure cited in the
    text whose finding is its sentence, one whose finding is worded apart); RDA tables before
    the text, after a paragraph, at the end of a section and after the sections, with
    pregnancy and lactation rows; citations; a related article and a pending title; a stock
    disclaimer and, when asked, the article's own wording of the other. The tables' positions
    follow their reading order, the only order a Markdown file can hold."""
    article = ArticleFactory(
        title="Iron and Energy: A Generated Article",
        slug="iron-and-energy-generated",
        standfirst="What iron does, in round illustrative numbers.",
        attribution="",
    )
    first = ReferenceFactory(url="https://www.example.org/iron/trial")
    second = ReferenceFactory(url="https://www.example.org/iron/review")
    CitationFactory(article=article, reference=first, position=1)
    CitationFactory(article=article, reference=second, position=2)
    intro = SectionFactory(
        article=article,
        heading="",
        position=1,
        body="<p>Iron carries oxygen to every cell (Lee et al., 2018).</p>",
    )
    StudyFactory(
        section=intro,
        display=Study.Display.IN_TEXT,
        label="",
        journal="",
        study_type="",
        authors="Lee et al.",
        year=2018,
        finding="Iron carries oxygen to every cell.",
        effect_figure="",
    )
    works = SectionFactory(
        article=article,
        heading="How Iron Works",
        position=2,
        number_subsections=True,
        body=(
            "<p>About 10% of adults run low (Park et al., 2020).</p>"
            "<ul><li>It builds haemoglobin.</li><li>It feeds muscles.</li></ul>"
        ),
    )
    StudyFactory(
        section=works,
        display=Study.Display.IN_TEXT,
        label="",
        journal="",
        study_type=Study.StudyType.POPULATION,
        authors="Park et al.",
        year=2020,
        finding="About 10% of adults run low.",
        effect_figure="10%",
        reference=second,
    )
    StudyFactory(
        section=works,
        label="Clinical Insight",
        journal="Journal of Illustrative Results",
        study_type=Study.StudyType.RANDOMISED_TRIAL,
        authors="Kim et al.",
        year=2019,
        finding="Supplements raised ferritin by 20% in twelve weeks.",
        effect_figure="20%",
        reference=first,
    )
    haem = SectionFactory(
        article=article, heading="Haem Iron", level=3, position=3, body="<p>From meat.</p>"
    )
    StudyFactory(
        section=haem,
        display=Study.Display.IN_TEXT,
        label="",
        journal="",
        study_type="",
        authors="Ruiz et al.",
        year=2017,
        finding="Haem iron is absorbed better, an illustrative finding worded apart.",
        effect_figure="",
    )
    SectionFactory(
        article=article, heading="Non-haem Iron", level=3, position=4, body="<p>From plants.</p>"
    )
    dosage = SectionFactory(
        article=article,
        heading="Dosage",
        position=5,
        body=(
            "<p>Needs change with age.</p><p>The RDA for iron is:</p>"
            "<ul><li>a list that is not a table</li></ul><p>Take it with food.</p>"
        ),
    )
    SectionFactory(
        article=article, heading="With Food", level=3, position=6, body="<p>Vitamin C helps.</p>"
    )
    placed = RDATableFactory(
        article=article,
        position=2,
        nutrient="Iron",
        section=dosage,
        after_paragraph=2,
        source_note="Illustrative values for a test",
        upper_limit="45",
        upper_limit_applies_to="adults",
    )
    for position, (stage, age_from, age_to, amount) in enumerate(
        [
            ("men", 19, None, "8"),
            ("women", 19, 50, "18"),
            ("pregnancy", 19, 50, "27"),
            ("lactation", 19, 50, "9"),
        ],
        start=1,
    ):
        RDARowFactory(
            table=placed,
            position=position,
            life_stage=stage,
            age_from=age_from,
            age_to=age_to,
            amount=amount,
        )
    first_thing = RDATableFactory(
        article=article,
        position=1,
        nutrient="Copper",
        unit="mcg",
        section=works,
        after_paragraph=0,
    )
    RDARowFactory(table=first_thing, life_stage="women", age_from=19, amount="900")
    at_end = RDATableFactory(
        article=article, position=3, nutrient="Zinc", section=dosage, after_paragraph=None
    )
    RDARowFactory(
        table=at_end,
        life_stage="infants",
        age_from=7,
        age_to=12,
        age_unit="months",
        amount="3",
        intake_type="ai",
    )
    unplaced = RDATableFactory(article=article, position=4, nutrient="Iodine", unit="mcg")
    RDARowFactory(table=unplaced, life_stage="lactation", age_from=14, age_to=18, amount="290")
    related = ArticleFactory(title="Vitamin C and Iron: A Generated Neighbour")
    RelatedArticle.objects.create(article=article, related=related, position=1)
    PendingRelatedTitle.objects.create(
        article=article, title="Iron in Pregnancy, Not Written Yet", position=2
    )
    stock = list(Disclaimer.objects.defaults())
    if own_disclaimer:
        medical = Disclaimer.objects.get(name="Medical note")
        own = Disclaimer.objects.create(
            name=imports.own_disclaimer_name(medical, article.slug),
            title=medical.title,
            body="<p>Our own wording: ask your doctor before taking iron.</p>",
            position=medical.position,
        )
        stock = [own, *(d for d in stock if d.pk != medical.pk)]
    article.disclaimers.set(stock)
    return article


@pytest.mark.parametrize("own_disclaimer", [False, True], ids=["stock", "own disclaimer"])
def test_a_generated_article_survives_export_and_import_field_by_field(own_disclaimer):
    article = generated_article(own_disclaimer=own_disclaimer)
    text = article_markdown(article)

    draft, copy = import_as_new(text, article)

    assert snapshot(copy) == snapshot(article)
    assert article_markdown(copy).replace(copy.title, article.title) == text
    assert [w for w in draft.warnings if "own wording" not in w] == []


def test_a_generated_article_writes_each_figure_once_and_each_table_in_its_place():
    text = article_markdown(generated_article(own_disclaimer=False))
    assert text.count("10%") == 1 and text.count("oxygen to every cell") == 1
    assert (
        "\n> *Cited in the text:* (Park et al., 2020) — population survey or epidemiology; "
        "reference 2\n"
    ) in text
    dosage = text[text.index("## Dosage") : text.index("### With Food")]
    assert dosage.index("The RDA for iron is:") < dosage.index("#### Intake table: Iron (mg)")
    assert dosage.index("#### Intake table: Iron (mg)") < dosage.index("- a list that is not")
    assert dosage.rindex("Take it with food.") < dosage.index(
        "#### Intake table at the end of the section: Zinc (mg)"
    )
    works = text[text.index("## How Iron Works") :]
    assert works.index("#### Intake table: Copper (mcg)") < works.index("About 10% of adults")
    assert "## Recommended intakes\n\n### Iodine (mcg)" in text
