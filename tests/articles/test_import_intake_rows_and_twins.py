"""What the fidelity samples showed the reader needed: intake rows with their ages in brackets,
an upper-limit line that is never a heading, a clear word when an intake list stays a list, and
a PubMed address and its ncbi.nlm.nih.gov/pubmed/ twin counted as one reference (in the list
and in the library)."""

from decimal import Decimal

import pytest

from articles.editing import imports
from articles.models import RDARow
from articles.textformat import importer
from references.models import Reference
from tests.factories import CategoryFactory

PUBMED = "https://pubmed.ncbi.nlm.nih.gov/90000010/"
NCBI_TWIN = "https://www.ncbi.nlm.nih.gov/pubmed/90000010"


def plain(*lines):
    return importer.parse("\n".join(lines), filename="fixture.txt")


def intake_article(*rows, after="Tolerable upper intake level: 40 mg/day (adults)"):
    return plain(
        "An opening paragraph about iron, long enough to be a standfirst and not a heading.",
        "Dosage and Safety Considerations",
        "The Recommended Dietary Allowance (RDA) for iron is:",
        *(f"- {row}" for row in rows),
        after,
        "Ask a healthcare provider before taking a supplement.",
        "Iron Test Article is an original (HSLHealing) article.",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lactation (19–50 years): 10 mg/day", (RDARow.LifeStage.LACTATION, 19, 50, "years")),
        ("Pregnancy (14-18): 30 mg", (RDARow.LifeStage.PREGNANCY, 14, 18, "years")),
        ("Infants (0–6 months): 0.5 mcg/day (AI)", (RDARow.LifeStage.INFANTS, 0, 6, "months")),
        ("Women (51 and older): 10 mg/day", (RDARow.LifeStage.WOMEN, 51, None, "years")),
    ],
)
def test_an_intake_row_may_give_its_ages_in_brackets(text, expected):
    row, _unit = importer.read_rda_row(text)
    assert (row.life_stage, row.age_from, row.age_to, row.age_unit) == expected


@pytest.mark.parametrize(
    "text", ["Pregnancy (19–50 years: 27 mg/day", "Pregnancy 19–50 years): 27 mg/day"]
)
def test_an_unclosed_bracket_is_no_row(text):
    assert importer.read_rda_row(text) == (None, None)


def test_a_plain_text_upper_limit_line_without_a_full_stop_is_the_table_s_upper_limit():
    draft = intake_article("Men aged 19-50: 10 mg/day", "Pregnancy (19–50 years): 30 mg/day")
    (table,) = draft.rda_tables
    assert (table.upper_limit, table.upper_limit_applies_to) == (Decimal("40"), "adults")
    assert [s.heading for s in draft.sections] == ["Dosage and Safety Considerations"]
    assert "Ask a healthcare provider" in draft.sections[0].body


def test_an_intake_list_with_a_row_without_ages_stays_a_list_and_says_which_row():
    draft = intake_article("Men aged 19-50: 10 mg/day", "Pregnancy: 30 mg/day")
    assert draft.rda_tables == []
    assert "<li><strong>Pregnancy:</strong> 30 mg/day</li>" in draft.sections[0].body
    (warning,) = [w for w in draft.warnings if w.startswith("An intake list is kept as")]
    assert "“Pregnancy: 30 mg/day” could not be read as a row" in warning


def test_a_list_of_no_intake_rows_gets_no_intake_warning():
    draft = plain(
        "An opening paragraph about iron, long enough to be a standfirst and not a heading.",
        "Where Iron Is Found",
        "Foods that supply it:",
        "- Red meat and liver",
        "- Lentils and beans",
        "Iron Test Article is an original (HSLHealing) article.",
    )
    assert not any("intake list" in w for w in draft.warnings)


def references_article(*urls):
    return plain(
        "An opening paragraph about iron, long enough to be a standfirst and not a heading.",
        "What Iron Does",
        "It carries oxygen.",
        "References",
        *(f"- Source {n} (test fixture). Retrieved from: {url}" for n, url in enumerate(urls, 1)),
        "Iron Test Article is an original (HSLHealing) article.",
    )


def test_a_pubmed_address_and_its_ncbi_twin_are_one_reference():
    draft = references_article(PUBMED, "https://www.example.org/fixtures/other", NCBI_TWIN)
    assert [r.url for r in draft.references] == [PUBMED, "https://www.example.org/fixtures/other"]
    assert "(items 1 and 3)" in " ".join(draft.warnings)


def test_the_duplicate_warning_names_the_items_as_written():
    draft = references_article(
        "https://www.example.org/a", "https://www.example.org/a/", PUBMED, NCBI_TWIN
    )
    assert len(draft.references) == 2
    warnings = " ".join(draft.warnings)
    assert "(items 1 and 2)" in warnings and "(items 3 and 4)" in warnings


@pytest.mark.django_db
def test_the_library_s_reference_is_reused_for_the_twin_address():
    existing = Reference.objects.create(title="Stored under its PubMed address", url=PUBMED)
    result = imports.import_article(draft=references_article(NCBI_TWIN), category=CategoryFactory())
    assert result.references == [(existing, True)]
    assert Reference.objects.count() == 1
