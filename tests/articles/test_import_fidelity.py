"""Importing an article keeps every element where and as its source puts it, and the admin's
preview and `manage.py import_article --dry-run` report the same counts and warnings.

The sources are three articles in the publisher's layout written for these tests (see
tests/articles/samples/README.md): different nutrients, intake tables with pregnancy and
lactation rows and an upper limit, a reference listed twice, a "You may also like" title not on
the site, and closing notes in the stock and in their own wording. What each should become is
written out below by hand from the text, not produced by the code under test.
"""

import html
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from articles.editing import imports
from articles.models import Article, RDARow, Section, Study
from articles.textformat import importer
from articles.textformat.draft import read_bytes
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
IMPORT_URL = reverse("admin:articles_article_import")

TOP, SUB = Section.Level.SECTION, Section.Level.SUBSECTION
CALLOUT, IN_TEXT = Study.Display.CALLOUT, Study.Display.IN_TEXT
MEN, WOMEN = RDARow.LifeStage.MEN, RDARow.LifeStage.WOMEN
PREGNANCY, LACTATION = RDARow.LifeStage.PREGNANCY, RDARow.LifeStage.LACTATION
YEARS, MONTHS = RDARow.AgeUnit.YEARS, RDARow.AgeUnit.MONTHS
RDA, AI = RDARow.IntakeType.RDA, RDARow.IntakeType.ADEQUATE_INTAKE
#: The one "You may also like" title of the iron sample that is on the site before the import.
ON_THE_SITE = "Vitamin C and Iron Absorption: A Closer Look"


@dataclass
class ExpectedStudy:
    section: str
    display: str
    authors: str
    year: int
    figure: str
    #: Words of the sentence the finding keeps, as written in the source.
    words: str
    study_type: str = ""
    journal: str = ""
    label: str = ""


@dataclass
class ExpectedTable:
    nutrient: str
    unit: str
    #: (life stage, age from, age to or None for "and older", age unit, amount, kind)
    rows: list
    upper_limit: Decimal
    upper_limit_applies_to: str
    #: The section whose text introduces it, and how many of its paragraphs come before it.
    section: str
    after_paragraph: int


@dataclass
class Expected:
    file: str
    title: str
    format: str
    standfirst: str
    #: (heading, level) of every section, in order; "" is the introduction.
    sections: list
    #: Headings of the sections whose sub-sections are numbered ("1. …").
    numbered: list
    #: heading -> words its body keeps from the source, in order.
    bodies: dict
    studies: list
    table: ExpectedTable
    #: [(title, URL)] of the reference list with its repeated item left out.
    references: list
    related_linked: list
    related_pending: list
    #: The stock disclaimers the closing notes stand for, in order.
    disclaimers: list
    #: Those of them the article words differently (reported, never replaced silently).
    differences: list
    #: heading -> why the headings after it were read as its sub-sections (a warning says so).
    nested_because: dict = field(default_factory=dict)


ATTRIBUTION = "{title} is an original (HSLHealing) article."

IRON = Expected(
    file="fixture-iron-energy-and-fatigue.txt",
    title="Iron, Energy and Everyday Fatigue",
    format=importer.PLAIN,
    standfirst="Iron carries oxygen from the lungs to every working muscle, and when stores run "
    "low the first sign is often a tiredness that rest does not fix. This article looks at what "
    "iron does, who tends to run short and how much of it adults need each day.",
    sections=[
        ("", TOP),
        ("How the Body Uses Iron", TOP),
        ("How Common Is Low Iron", TOP),
        ("How Iron Supports Energy", TOP),
        ("Carrying Oxygen to Muscles", SUB),
        ("Fuelling the Cell's Power Plants", SUB),
        ("Practical Steps for Better Iron Status", TOP),
        ("Eating Iron-Rich Foods", SUB),
        ("Pairing Iron with Vitamin C", SUB),
        ("Dosage and Safety Considerations", TOP),
        ("Conclusion: Iron for Steady Energy", TOP),
    ],
    numbered=["How Iron Supports Energy"],
    bodies={
        "": ["Most people take in enough iron from a mixed diet"],
        "How the Body Uses Iron": [
            "The body keeps it in several forms:",
            "<strong>Haemoglobin:</strong> Red blood cells use it",
            "<strong>Ferritin:</strong> The liver and spleen keep spare iron",
            "When any of these run low",
        ],
        "Practical Steps for Better Iron Status": [],
        "Pairing Iron with Vitamin C": ["while tea and coffee taken with the meal reduce it"],
        "Dosage and Safety Considerations": [
            "The Recommended Dietary Allowance (RDA) for iron is:",
            "Iron supplements can upset the stomach",
        ],
    },
    studies=[
        ExpectedStudy(
            "How Common Is Low Iron",
            IN_TEXT,
            "Sampleton et al.",
            2011,
            "20%",
            "Low iron stores were found in about 20% of the adults screened in one survey",
        ),
        ExpectedStudy(
            "Carrying Oxygen to Muscles",
            CALLOUT,
            "Fixturova et al.",
            2015,
            "10%",
            "iron supplements raised haemoglobin by 10% in adults with low stores",
            study_type=Study.StudyType.RANDOMISED_TRIAL,
            journal="The Example Journal of Haematology",
            label="Clinical Insight",
        ),
        ExpectedStudy(
            "Fuelling the Cell's Power Plants",
            CALLOUT,
            "Placeholder & Stubbs",
            2018,
            "30%",
            "restoring iron stores improved endurance by 30% in trained runners",
            study_type="",  # "a small crossover trial" names no type exactly
            journal="Example Sports Medicine",
            label="Research Findings",
        ),
    ],
    table=ExpectedTable(
        nutrient="Iron",
        unit="mg",
        rows=[
            (MEN, 19, 50, YEARS, Decimal("10"), RDA),
            (WOMEN, 19, 50, YEARS, Decimal("20"), RDA),
            (PREGNANCY, 19, 50, YEARS, Decimal("30"), RDA),
            (LACTATION, 19, 50, YEARS, Decimal("10"), RDA),
        ],
        upper_limit=Decimal("40"),
        upper_limit_applies_to="adults aged 19 and older",
        section="Dosage and Safety Considerations",
        after_paragraph=1,
    ),
    references=[
        (
            "Iron stores in adults: a screening survey (test fixture)",
            "https://www.example.org/fixtures/iron/screening-survey",
        ),
        (
            "Iron supplements and haemoglobin (test fixture)",
            "https://pubmed.ncbi.nlm.nih.gov/90000001/",
        ),
        (
            "Iron and endurance in trained runners (test fixture)",
            "https://www.example.org/fixtures/iron/endurance",
        ),
    ],
    related_linked=[ON_THE_SITE],
    related_pending=["Fixture Guide to Everyday Energy"],
    disclaimers=["Medical note", "FDA supplement statement"],
    differences=["FDA supplement statement"],
    nested_because={"Practical Steps for Better Iron Status": "has no text of its own"},
)

FOLATE = Expected(
    file="fixture-folate-before-and-during-pregnancy.txt",
    title="Folate Before and During Pregnancy",
    format=importer.PLAIN,
    standfirst="Folate helps the body copy its genetic material and build new cells, which is "
    "why the need for it rises whenever tissue grows quickly. This article explains what folate "
    "does, why it matters so much around pregnancy and how much of it people need.",
    sections=[
        ("", TOP),
        ("What Folate Does", TOP),
        ("Who Runs Short", TOP),
        ("Where Folate Matters Most", TOP),
        ("Before and During Pregnancy", SUB),
        ("Blood Cell Formation", SUB),
        ("Dosage and Safety Considerations", TOP),
        ("Conclusion: Folate for Growing Cells", TOP),
    ],
    numbered=[],
    bodies={
        "": ["folic acid is the form added to supplements and fortified flour"],
        "Where Folate Matters Most": ["its role stands out at these stages of life:"],
        "Before and During Pregnancy": [
            "The neural tube closes in the first weeks of pregnancy",
            "A cohort study in The Example Journal of Obstetrics found that women who took folic "
            "acid before conception had 50% fewer neural tube defects (Mockford et al., 2014).",
        ],
        "Blood Cell Formation": ["red blood cells grow large and few"],
        "Dosage and Safety Considerations": [
            "The Recommended Dietary Allowance (RDA) for folate is:",
            "Large doses of folic acid can hide a shortage of vitamin B12",
        ],
    },
    studies=[
        ExpectedStudy(
            "Who Runs Short",
            IN_TEXT,
            "Fakeley et al.",
            2016,
            "10%",
            "Low folate was reported in about 10% of the adults in one sample",
        ),
        ExpectedStudy(
            "Before and During Pregnancy",
            IN_TEXT,
            "Mockford et al.",
            2014,
            "50%",
            "women who took folic acid before conception had 50% fewer neural tube defects",
            study_type=Study.StudyType.OBSERVATIONAL,  # "A cohort study" names it exactly
        ),
        ExpectedStudy(
            "Blood Cell Formation",
            CALLOUT,
            "Testwell & Dummett",
            2019,
            "20%",
            "folic acid lowered homocysteine by 20% across the trials it pooled",
            study_type=Study.StudyType.SYSTEMATIC_REVIEW,  # "A meta-analysis"
            journal="Example Reviews in Nutrition",
            label="Study Highlight",
        ),
    ],
    table=ExpectedTable(
        nutrient="Folate",
        unit="mcg",
        rows=[
            (MEN, 19, None, YEARS, Decimal("400"), RDA),
            (WOMEN, 19, None, YEARS, Decimal("400"), RDA),
            (PREGNANCY, 19, 50, YEARS, Decimal("600"), RDA),
            (LACTATION, 19, 50, YEARS, Decimal("500"), RDA),
        ],
        upper_limit=Decimal("1000"),
        upper_limit_applies_to="adults, from supplements and fortified foods",
        section="Dosage and Safety Considerations",
        after_paragraph=1,
    ),
    # The third item is the first one's PubMed address in its ncbi.nlm.nih.gov/pubmed/ form.
    references=[
        (
            "Folic acid before conception and neural tube defects (test fixture)",
            "https://pubmed.ncbi.nlm.nih.gov/90000003/",
        ),
        (
            "Folic acid and homocysteine: pooled trials (test fixture)",
            "https://www.example.org/fixtures/folate/homocysteine",
        ),
        (
            "Folate status in adults (test fixture)",
            "https://www.example.org/fixtures/folate/status",
        ),
    ],
    related_linked=[],
    related_pending=["Choline in Pregnancy: What Fixture Readers Ask"],
    disclaimers=["Medical note", "FDA supplement statement"],
    differences=["Medical note"],
    nested_because={"Where Folate Matters Most": "ends with a lead-in"},
)

VITAMIN_B12 = Expected(
    file="fixture-vitamin-b12-and-nerve-health.md",
    title="Vitamin B12 and Nerve Health",
    format=importer.MARKDOWN,
    standfirst="Vitamin B12 keeps the protective coating of nerves in good repair and helps the "
    "body make healthy red blood cells. This article covers what it does, why some people run "
    "short and how much of it they need.",
    sections=[
        ("What Vitamin B12 Does", TOP),
        ("How Vitamin B12 Protects Nerves", TOP),
        ("Maintaining the Myelin Sheath", SUB),
        ("Lowering Homocysteine", SUB),
        ("Who Runs Short", TOP),
        ("Dosage and Safety Considerations", TOP),
        ("Conclusion: Vitamin B12 for Healthy Nerves", TOP),
    ],
    numbered=["How Vitamin B12 Protects Nerves"],
    bodies={
        "What Vitamin B12 Does": [
            "Among its jobs:",
            "<strong>Myelin upkeep:</strong> it helps build the fatty sheath",
            "<strong>Red blood cells:</strong> it works with folate",
        ],
        "Lowering Homocysteine": ["High homocysteine is linked with nerve and blood vessel damage"],
        "Dosage and Safety Considerations": [
            "The Recommended Dietary Allowance (RDA) for vitamin B12 is:",
            "Vitamin B12 is generally well tolerated.",
        ],
    },
    studies=[
        ExpectedStudy(
            "Maintaining the Myelin Sheath",
            CALLOUT,
            "Placeholder et al.",
            2018,
            "25%",
            "vitamin B12 improved nerve conduction speed by 25% in adults with low levels",
            study_type=Study.StudyType.SYSTEMATIC_REVIEW,  # "A meta-analysis"
            journal="Example Reviews in Neurology",
            label="Clinical Insight",
        ),
        ExpectedStudy(
            "Lowering Homocysteine",
            CALLOUT,
            "Mockford & Stubbs",
            2016,
            "15%",
            "vitamin B12 with folate lowered homocysteine by 15% within eight weeks",
            journal="Journal of Example Medicine",
            label="Research Findings",
        ),
        ExpectedStudy(
            "Who Runs Short",
            IN_TEXT,
            "Fakeley et al.",
            2019,
            "6%",
            "A shortfall was found in about 6% of the adults tested in one survey",
        ),
    ],
    table=ExpectedTable(
        nutrient="Vitamin B12",
        unit="mcg",
        rows=[
            (RDARow.LifeStage.INFANTS, 0, 6, MONTHS, Decimal("0.5"), AI),
            (RDARow.LifeStage.CHILDREN, 1, 13, YEARS, Decimal("1"), RDA),
            (MEN, 14, None, YEARS, Decimal("2"), RDA),
            (WOMEN, 14, None, YEARS, Decimal("2"), RDA),
            (PREGNANCY, 14, 50, YEARS, Decimal("3"), RDA),
            (LACTATION, 14, 50, YEARS, Decimal("3"), RDA),
        ],
        upper_limit=Decimal("1000"),
        upper_limit_applies_to="adults, an illustrative figure for this test",
        section="Dosage and Safety Considerations",
        after_paragraph=1,
    ),
    references=[
        (
            "Vitamin B12 and nerve conduction: pooled trials (test fixture)",
            "https://www.example.org/fixtures/b12/nerve-conduction",
        ),
        (
            "Vitamin B12, folate and homocysteine (test fixture)",
            "https://pubmed.ncbi.nlm.nih.gov/90000002/",
        ),
        (
            "Vitamin B12 status in adults (test fixture)",
            "https://www.example.org/fixtures/b12/status",
        ),
    ],
    related_linked=[],
    related_pending=["Folate Before and During Pregnancy", "Fixture Notes on Nerve Conduction"],
    disclaimers=["Medical note", "FDA supplement statement"],
    differences=["Medical note"],
)

SAMPLES_EXPECTED = [IRON, FOLATE, VITAMIN_B12]


def by_file(expected):
    return expected.file


@pytest.fixture
def category():
    return CategoryFactory(slug="fixture-nutrients", name="Fixture nutrients")


@pytest.fixture
def on_the_site():
    """The one related title that exists: a published article."""
    return ArticleFactory(title=ON_THE_SITE, slug="vitamin-c-and-iron-absorption")


def parse(expected):
    path = SAMPLES / expected.file
    return importer.parse(
        read_bytes(path.read_bytes()),
        filename=path.name,
        disclaimers=imports.disclaimer_hints(),
    )


@pytest.fixture(params=SAMPLES_EXPECTED, ids=by_file)
def imported(request, category, on_the_site):
    """(expected, the ImportResult, the article as saved and read back)."""
    expected = request.param
    result = imports.import_article(draft=parse(expected), category=category)
    return expected, result, Article.objects.get(pk=result.article.pk)


class TestEachElementKeepsItsSource:
    def test_title_standfirst_attribution_format_and_category(self, imported, category):
        expected, _result, article = imported
        draft = parse(expected)
        assert draft.format == expected.format
        assert article.title == expected.title
        assert article.standfirst == expected.standfirst
        assert article.attribution == ATTRIBUTION.format(title=expected.title)
        assert article.category == category
        assert article.status == Article.Status.DRAFT

    def test_without_an_author_the_publisher_signs_it(self, imported):
        _expected, _result, article = imported
        assert article.author is None
        assert article.byline == settings.PUBLISHER_NAME

    def test_sections_keep_their_headings_levels_and_parents(self, imported):
        expected, _result, article = imported
        sections = list(article.sections.order_by("position"))
        assert [(s.heading, s.level) for s in sections] == expected.sections
        assert [s.heading for s in sections if s.number_subsections] == expected.numbered

    def test_a_guessed_hierarchy_is_named_in_a_warning(self, imported):
        expected, result, _article = imported
        for parent, reason in expected.nested_because.items():
            assert any(warning.startswith(f"“{parent}” {reason}") for warning in result.warnings), (
                parent
            )

    def test_section_bodies_keep_the_source_words_in_order(self, imported):
        expected, _result, article = imported
        bodies = {s.heading: s.body for s in article.sections.all()}
        for heading, words in expected.bodies.items():
            body = html.unescape(bodies[heading])
            if not words:
                assert body == "", heading
            positions = [body.find(phrase) for phrase in words]
            assert -1 not in positions, (heading, words, body)
            assert positions == sorted(positions), heading

    def test_each_study_keeps_authors_year_figure_finding_type_and_kind(self, imported):
        expected, _result, article = imported
        studies = Study.objects.filter(section__article=article).select_related("section")
        found = sorted(studies, key=lambda s: (s.section.position, s.position))
        assert len(found) == len(expected.studies)
        for study, wanted in zip(found, expected.studies, strict=True):
            assert (study.section.heading, study.display) == (wanted.section, wanted.display)
            assert (study.authors, study.year) == (wanted.authors, wanted.year)
            assert study.effect_figure == wanted.figure
            assert wanted.words.casefold() in study.finding.casefold(), study.finding
            assert study.study_type == wanted.study_type
            assert (study.journal, study.label) == (wanted.journal, wanted.label)

    def test_the_intake_table_keeps_its_rows_upper_limit_and_place(self, imported):
        expected, _result, article = imported
        wanted = expected.table
        (table,) = article.rda_tables.all()
        assert (table.nutrient, table.unit) == (wanted.nutrient, wanted.unit)
        rows = [
            (r.life_stage, r.age_from, r.age_to, r.age_unit, r.amount, r.intake_type)
            for r in table.rows.order_by("position")
        ]
        assert rows == wanted.rows
        assert table.upper_limit == wanted.upper_limit
        assert table.upper_limit_applies_to == wanted.upper_limit_applies_to
        assert table.section.heading == wanted.section
        assert table.after_paragraph == wanted.after_paragraph

    def test_references_are_listed_once_each_in_their_first_place(self, imported):
        expected, result, article = imported
        cited = [
            (c.reference.title, c.reference.url)
            for c in article.citations.select_related("reference").order_by("position")
        ]
        assert cited == expected.references
        assert len(result.references) == len(expected.references)
        assert any("is listed twice in the references" in w for w in result.warnings)

    def test_related_titles_are_linked_or_kept_as_pending(self, imported):
        expected, result, article = imported
        linked = [link.related.title for link in article.related_links.order_by("position")]
        pending = list(article.pending_related.order_by("position").values_list("title", flat=True))
        assert linked == expected.related_linked
        assert pending == expected.related_pending
        for title in expected.related_pending:
            assert any(w.startswith(f"“{title}” (You May Also Like)") for w in result.warnings)

    def test_disclaimers_report_the_article_s_own_wording_and_attach_the_stock_text(self, imported):
        expected, result, article = imported
        assert [d.name for d in article.disclaimers.order_by("position")] == expected.disclaimers
        assert [d.stock.name for d in result.disclaimer_differences] == expected.differences
        for name in expected.differences:
            assert any(
                f"wording of the disclaimer “{name}” differs from the stock text" in warning
                for warning in result.warnings
            )
        same = set(expected.disclaimers) - set(expected.differences)
        assert not any(
            f"wording of the disclaimer “{name}”" in warning
            for name in same
            for warning in result.warnings
        )


# --------------------------------------------------------------------------------------------
# The preview and the command tell the same story


COUNT_RE = re.compile(r"<li><strong>(\d+)</strong> ([^<]+)</li>")
WARNING_RE = re.compile(r'<li class="warning">(.*?)</li>', re.DOTALL)


def preview_report(client, expected, category):
    """(counts, warnings) as the preview page shows them to an editor."""
    data = (SAMPLES / expected.file).read_bytes()
    filename = expected.file
    response = client.post(
        IMPORT_URL,
        {
            "file": SimpleUploadedFile(filename, data, content_type="text/plain"),
            "text": "",
            "title": "",
            "category": category.pk,
            "author": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    summary = page.split('class="import-summary"', 1)[1].split("</ul>", 1)[0]
    counts = [(label, int(number)) for number, label in COUNT_RE.findall(summary)]
    warnings = [html.unescape(w) for w in WARNING_RE.findall(page)]
    assert counts == response.context["counts"]
    assert warnings == [str(w) for w in response.context["result"].warnings]
    return counts, warnings


def command_report(expected, category):
    """(counts, warnings) as `import_article FILE --dry-run` prints them."""
    out = io.StringIO()
    call_command(
        "import_article",
        str(SAMPLES / expected.file),
        category=category.slug,
        dry_run=True,
        stdout=out,
        no_color=True,
    )
    lines = out.getvalue().splitlines()
    head = lines[0]
    assert head.startswith(f"Read “{expected.title}” (")
    listed = head.split("): ", 1)[1].removesuffix(".")
    counts = []
    for item in listed.split(", "):
        number, label = item.split(" ", 1)
        counts.append((label, int(number)))
    warnings = [
        line.removeprefix("  Warning: ") for line in lines if line.startswith("  Warning: ")
    ]
    assert lines[-1] == "Dry run: nothing was saved."
    return counts, warnings


@pytest.mark.parametrize("expected", SAMPLES_EXPECTED, ids=by_file)
def test_the_preview_and_the_command_report_the_same_counts_and_warnings(
    expected, editor_client, category, on_the_site
):
    before = Article.objects.count()
    preview = preview_report(editor_client, expected, category)
    command = command_report(expected, category)
    assert preview == command
    assert Article.objects.count() == before, "both are dry runs"
    counts = dict(preview[0])
    assert counts["sections"] == len(expected.sections)
    assert counts["studies"] == len(expected.studies)
    assert counts["RDA rows"] == len(expected.table.rows)
    assert counts["references"] == len(expected.references)
    assert counts["related links"] == len(expected.related_linked)
    assert counts["related titles pending"] == len(expected.related_pending)
    assert counts["disclaimers"] == len(expected.disclaimers)
