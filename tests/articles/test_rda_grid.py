"""The NIH-style intake grid built from an RDA table's rows, and the table readers see."""

import re

import pytest

from articles.models import RDARow
from articles.site.intake_grid import intake_grid
from tests.factories import ArticleFactory, RDARowFactory, RDATableFactory

pytestmark = pytest.mark.django_db

Stage = RDARow.LifeStage


def row(stage, age_from, age_to, amount, unit=RDARow.AgeUnit.YEARS, **extra):
    """An unsaved row: the grid is pure arrangement and needs no database."""
    return RDARow(
        life_stage=stage, age_from=age_from, age_to=age_to, age_unit=unit, amount=amount, **extra
    )


def shown(grid):
    """The grid as text: [label, cell, cell, ...] per row, "-" for an empty cell."""
    return [
        [grid_row.label]
        + [
            f"{cell.row.amount}x{cell.span}"
            if cell.span > 1
            else str(cell.row.amount)
            if cell.row
            else "-"
            for cell in cells
        ]
        for grid_row, cells in grid.rows
    ]


def test_adults_fill_male_and_female_columns_by_age_band():
    grid = intake_grid(
        [
            row(Stage.WOMEN, 31, None, 320),
            row(Stage.MEN, 19, 30, 400),
            row(Stage.MEN, 31, None, 420),
            row(Stage.WOMEN, 19, 30, 310),
        ]
    )
    assert [column.label for column in grid.columns] == ["Male", "Female"]
    assert shown(grid) == [["19–30 years", "400", "310"], ["31+ years", "420", "320"]]


def test_full_nih_table_with_infants_children_pregnancy_and_lactation():
    grid = intake_grid(
        [
            row(Stage.LACTATION, 19, 30, 310),
            row(Stage.PREGNANCY, 19, 30, 350),
            row(Stage.WOMEN, 19, 30, 310),
            row(Stage.MEN, 19, 30, 400),
            row(Stage.CHILDREN, 1, 3, 80),
            row(Stage.INFANTS, 7, 12, 75, RDARow.AgeUnit.MONTHS),
            row(Stage.INFANTS, 0, 6, 30, RDARow.AgeUnit.MONTHS),
        ]
    )
    assert [column.label for column in grid.columns] == [
        "Male",
        "Female",
        "Pregnancy",
        "Lactation",
    ]
    assert shown(grid) == [
        ["Birth to 6 months", "30x2", "-", "-"],
        ["7–12 months", "75x2", "-", "-"],
        ["1–3 years", "80x2", "-", "-"],
        ["19–30 years", "400", "310", "350", "310"],
    ]


def test_only_columns_some_row_fills_are_shown():
    grid = intake_grid([row(Stage.PREGNANCY, 14, 18, 400)])
    assert [column.key for column in grid.columns] == ["pregnancy"]
    assert shown(grid) == [["14–18 years", "400"]]


def test_children_sharing_a_band_with_adults_get_a_named_row_of_their_own():
    grid = intake_grid([row(Stage.MEN, 14, 18, 410), row(Stage.CHILDREN, 14, 18, 380)])
    assert shown(grid) == [["Children, 14–18 years", "380x2"], ["14–18 years", "410", "-"]]


def test_a_second_value_for_a_taken_cell_is_kept_in_a_row_of_its_own():
    grid = intake_grid([row(Stage.MEN, 19, 30, 400), row(Stage.MEN, 19, 30, 410)])
    assert shown(grid) == [["19–30 years", "400"], ["19–30 years", "410"]]


def test_adequate_intake_is_flagged():
    grid = intake_grid([row(Stage.INFANTS, 0, 6, 30, RDARow.AgeUnit.MONTHS, intake_type="ai")])
    assert grid.has_adequate_intake
    assert not intake_grid([row(Stage.MEN, 19, 30, 400)]).has_adequate_intake


def rendered(client, table):
    return client.get(table.article.get_absolute_url()).content.decode()


def test_table_has_caption_column_headers_and_cells_that_name_their_headers(client):
    table = RDATableFactory(nutrient="Magnesium", article=ArticleFactory())
    RDARowFactory(table=table, life_stage=Stage.MEN, age_from=19, age_to=30, amount=400)
    RDARowFactory(table=table, life_stage=Stage.CHILDREN, age_from=1, age_to=3, amount=80)
    content = rendered(client, table)
    prefix = f"rda-{table.pk}"
    assert (
        f'<caption id="{prefix}-caption">Recommended intakes for Magnesium '
        '<span class="rda-unit">(mg per day)</span></caption>'
    ) in content
    headers = re.findall(r'<th scope="col" id="[^"]+">([^<]+)</th>', content)
    assert headers == ["Age", "Male", "Female"]
    assert (
        f'<td colspan="2" headers="{prefix}-r1 {prefix}-male {prefix}-female">80&nbsp;mg</td>'
    ) in content
    assert f'<td headers="{prefix}-r2 {prefix}-male">400&nbsp;mg</td>' in content
    assert f'<td headers="{prefix}-r2 {prefix}-female" class="rda-empty">' in content


def test_adequate_intake_has_an_asterisk_and_a_footnote(client):
    table = RDATableFactory(article=ArticleFactory())
    RDARowFactory(table=table, intake_type=RDARow.IntakeType.ADEQUATE_INTAKE, amount=11)
    content = rendered(client, table)
    assert (
        '11&nbsp;mg<span aria-hidden="true">*</span>'
        '<span class="visually-hidden"> (Adequate Intake)</span>'
    ) in content
    assert "Adequate Intake (AI), given where the evidence is not enough" in content


def test_no_footnote_without_an_adequate_intake(client):
    table = RDATableFactory(article=ArticleFactory())
    RDARowFactory(table=table)
    assert "Adequate Intake (AI)" not in rendered(client, table)


def test_upper_limit_says_what_it_applies_to_and_the_source_is_named(client):
    table = RDATableFactory(
        article=ArticleFactory(),
        upper_limit=350,
        upper_limit_applies_to="adults, from supplements only",
        source_note="Food and Nutrition Board",
    )
    RDARowFactory(table=table, amount=400)
    content = rendered(client, table)
    assert (
        "Tolerable Upper Intake Level (UL): 350&nbsp;mg per day for adults, from supplements only."
    ) in content
    assert "<li>Source: Food and Nutrition Board.</li>" in content


def test_missing_source_says_not_stated(client):
    table = RDATableFactory(article=ArticleFactory())
    RDARowFactory(table=table)
    assert "<li>Source: not stated.</li>" in rendered(client, table)


def test_table_scrolls_in_a_labelled_box_that_keyboards_can_reach(client):
    table = RDATableFactory(article=ArticleFactory())
    RDARowFactory(table=table)
    assert (
        f'<div class="table-scroll" role="region" aria-labelledby="rda-{table.pk}-caption" '
        'tabindex="0">'
    ) in rendered(client, table)


def test_stored_text_is_escaped(client):
    table = RDATableFactory(article=ArticleFactory(), nutrient="<script>alert(1)</script>")
    RDARowFactory(table=table)
    content = rendered(client, table)
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
