"""References in Vancouver (NLM) style, the same on the article page and in the admin."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db


def render(reference):
    return render_to_string("includes/reference_item.html", {"reference": reference}).strip()


def test_a_pubmed_reference_in_vancouver_style():
    reference = ReferenceFactory(
        title="Magnesium and aging",
        url="https://pubmed.ncbi.nlm.nih.gov/20388094/",
        retrieved_on=datetime.date(2025, 1, 8),
    )
    assert reference.citation_text() == (
        "Magnesium and aging. pubmed.ncbi.nlm.nih.gov. [cited 2025 Jan 8]. Available from: "
        "https://pubmed.ncbi.nlm.nih.gov/20388094/. PMID: 20388094."
    )


def test_identifiers_follow_the_address_in_nlm_order():
    reference = ReferenceFactory(
        title="Magnesium in the Central Nervous System",
        url="https://www.ncbi.nlm.nih.gov/books/NBK507256/",
        site="StatPearls",
        retrieved_on=None,
        doi="10.1000/xyz",
        pmid="29920012",
        pmcid="PMC123",
    )
    assert reference.citation_text() == (
        "Magnesium in the Central Nervous System. StatPearls. Available from: "
        "https://www.ncbi.nlm.nih.gov/books/NBK507256/. doi: 10.1000/xyz. PMID: 29920012. "
        "PMCID: PMC123. Bookshelf ID: NBK507256."
    )


def test_a_title_ending_in_a_question_mark_takes_no_full_stop():
    reference = ReferenceFactory(title="Does magnesium help sleep?", url="https://example.org/q")
    assert reference.citation_text().startswith("Does magnesium help sleep? example.org.")


def test_the_partial_links_the_address_and_each_identifier():
    reference = ReferenceFactory(
        title="Magnesium and aging",
        url="https://pubmed.ncbi.nlm.nih.gov/20388094/",
        doi="10.1016/S0896-6273(09)01044-7",
        pmcid="PMC4321727",
    )
    html = render(reference)
    assert strip_tags(html) == reference.citation_text()
    for href in [
        "https://pubmed.ncbi.nlm.nih.gov/20388094/",
        "https://doi.org/10.1016/S0896-6273(09)01044-7",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/",
    ]:
        assert f'<a href="{href}" rel="noopener nofollow">' in html
    assert html.count("<a ") == html.count('rel="noopener nofollow"') == 4
    assert '<time datetime="2025-01-08">2025 Jan 8</time>' in html


def test_the_partial_escapes_what_editors_typed():
    reference = ReferenceFactory(title="<script>alert(1)</script>", url="https://example.org/x")
    html = render(reference)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
