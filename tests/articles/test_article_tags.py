"""The amount format of the article page's template tags."""

from decimal import Decimal

import pytest

from articles.templatetags.article_tags import quantity


@pytest.mark.parametrize(
    ("amount", "written"),
    [("400.00", "400"), ("0.50", "0.5"), ("1.25", "1.25"), ("1000", "1000"), (None, "")],
)
def test_amounts_are_written_without_trailing_zeros_or_exponents(amount, written):
    assert quantity(None if amount is None else Decimal(amount)) == written
