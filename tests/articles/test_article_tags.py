"""The server-drawn intake chart and the amount format of the article page's template tags."""

import re
from decimal import Decimal

import pytest

from articles.models import RDARow
from articles.templatetags.article_tags import quantity, rda_chart
from tests.factories import RDARowFactory, RDATableFactory

pytestmark = pytest.mark.django_db


def bar_widths(svg):
    return [int(width) for width in re.findall(r'<rect [^>]*width="(\d+)"', svg)]


def test_chart_draws_one_bar_per_row_scaled_to_the_largest():
    table = RDATableFactory(nutrient="Magnesium")
    RDARowFactory(table=table, age_from=19, age_to=30, amount=400)
    RDARowFactory(table=table, age_from=31, age_to=None, amount=200)
    svg = str(rda_chart(table))
    assert svg.startswith('<svg class="rda-chart"')
    assert bar_widths(svg) == [230, 115]


def test_chart_has_an_accessible_name_and_description():
    table = RDATableFactory(nutrient="Magnesium")
    RDARowFactory(
        table=table, life_stage=RDARow.LifeStage.WOMEN, age_from=19, age_to=30, amount=310
    )
    svg = str(rda_chart(table))
    assert 'role="img"' in svg
    assert (
        f'<title id="rda-chart-{table.pk}-title">Bar chart: daily amounts of Magnesium '
        "by life stage (mg per day)</title>"
    ) in svg
    assert f'<desc id="rda-chart-{table.pk}-desc">Women 19–30 years: 310 mg</desc>' in svg


def test_chart_marks_adequate_intakes():
    table = RDATableFactory()
    RDARowFactory(table=table, intake_type=RDARow.IntakeType.ADEQUATE_INTAKE)
    assert "Men, 19 years and older (AI)" in str(rda_chart(table))


def test_chart_escapes_stored_text():
    table = RDATableFactory(nutrient="<script>alert(1)</script>")
    RDARowFactory(table=table)
    svg = str(rda_chart(table))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_a_table_without_rows_has_no_chart():
    assert rda_chart(RDATableFactory()) == ""


@pytest.mark.parametrize(
    ("amount", "written"),
    [("400.00", "400"), ("0.50", "0.5"), ("1.25", "1.25"), ("1000", "1000"), (None, "")],
)
def test_amounts_are_written_without_trailing_zeros_or_exponents(amount, written):
    assert quantity(None if amount is None else Decimal(amount)) == written
