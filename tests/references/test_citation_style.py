"""References in NLM/Vancouver style, written by a CSL processor, the same on the article page
and in the admin."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from references.models import Reference, ReferenceType
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

WESSELLS = {
    "reference_type": ReferenceType.JOURNAL_ARTICLE,
    "title": (
        "Estimating the global prevalence of zinc deficiency: results based on zinc "
        "availability in national food supplies and the prevalence of stunting"
    ),
    "authors": [{"family": "Wessells", "given": "KR"}, {"family": "Brown", "given": "KH"}],
    "container_title": "PloS one",
    "container_title_short": "PLoS One",
    "issued_year": 2012,
    "volume": "7",
    "issue": "11",
    "pages": "e50568",
    "doi": "10.1371/journal.pone.0050568",
    "url": "https://doi.org/10.1371/journal.pone.0050568",
}


def render(reference):
    return render_to_string("includes/reference_item.html", {"reference": reference}).strip()


def test_a_journal_article_in_the_form_of_nih_fact_sheets():
    reference = Reference(**WESSELLS)
    assert reference.citation_text() == (
        "Wessells KR, Brown KH. Estimating the global prevalence of zinc deficiency: results "
        "based on zinc availability in national food supplies and the prevalence of stunting. "
        "PLoS One. 2012;7(11):e50568. doi:10.1371/journal.pone.0050568"
    )


def test_a_month_and_day_are_shown_only_when_the_source_states_them():
    reference = Reference(**{**WESSELLS, "issued_month": 11, "issued_day": 29})
    assert "PLoS One. 2012 Nov 29;7(11):e50568." in reference.citation_text()
    reference = Reference(**{**WESSELLS, "issued_month": 11})
    assert "PLoS One. 2012 Nov;7(11):e50568." in reference.citation_text()


def test_the_pubmed_id_follows_a_journal_article_linked():
    reference = Reference(**{**WESSELLS, "pmid": "23209674", "pmcid": "PMC3510072"})
    text = reference.citation_text()
    assert text.endswith(
        "doi:10.1371/journal.pone.0050568 PubMed PMID: 23209674; PubMed Central PMCID: PMC3510072."
    )
    links = {part.text: part.url for part in reference.citation_parts() if part.url}
    assert links == {
        "10.1371/journal.pone.0050568": "https://doi.org/10.1371/journal.pone.0050568",
        "23209674": "https://pubmed.ncbi.nlm.nih.gov/23209674/",
        "PMC3510072": "https://pmc.ncbi.nlm.nih.gov/articles/PMC3510072/",
    }


def test_more_than_six_authors_are_cut_to_six_and_et_al():
    authors = [{"family": f"Author{n}", "given": "A"} for n in range(1, 9)]
    reference = Reference(**{**WESSELLS, "authors": authors})
    assert reference.citation_text().startswith(
        "Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, Author6 A, et al. Estimating"
    )


def test_an_organisation_is_named_as_it_is_written():
    reference = Reference(
        reference_type=ReferenceType.REPORT,
        title="Guideline on sodium intake",
        authors=[{"literal": "World Health Organization"}],
        publisher="WHO",
        publisher_place="Geneva",
        issued_year=2012,
        url="https://example.org/guideline",
        retrieved_on=datetime.date(2025, 1, 8),
    )
    assert reference.citation_text() == (
        "World Health Organization. Guideline on sodium intake [Internet]. Geneva: WHO; 2012 "
        "[cited 2025 Jan 8]. Available from: https://example.org/guideline"
    )


def test_a_web_page_keeps_its_cited_date_and_address():
    reference = ReferenceFactory(
        title="Magnesium and aging",
        url="https://pubmed.ncbi.nlm.nih.gov/20388094/",
        retrieved_on=datetime.date(2025, 1, 8),
    )
    assert reference.citation_text() == (
        "Magnesium and aging [Internet]. pubmed.ncbi.nlm.nih.gov; [cited 2025 Jan 8]. "
        "Available from: https://pubmed.ncbi.nlm.nih.gov/20388094/ PubMed PMID: 20388094."
    )


def test_a_web_page_names_its_site_as_publisher_unless_one_is_given():
    reference = ReferenceFactory(
        title="Magnesium", url="https://ods.od.nih.gov/x", site="ods.od.nih.gov", retrieved_on=None
    )
    assert "Magnesium [Internet]. ods.od.nih.gov. Available from:" in reference.citation_text()
    reference.publisher = "Office of Dietary Supplements"
    assert "[Internet]. Office of Dietary Supplements. Available" in reference.citation_text()


def test_a_title_ending_in_a_question_mark_takes_no_full_stop():
    reference = ReferenceFactory(title="Does magnesium help sleep?", url="https://example.org/q")
    assert reference.citation_text().startswith("Does magnesium help sleep? [Internet].")


def test_the_partial_links_the_address_and_each_identifier_once():
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
    # The address, the DOI, the PMID (not the digits inside the address) and the PMCID.
    assert html.count("<a ") == html.count('rel="noopener nofollow"') == 4
    assert "PubMed PMID: <a" in html
    assert '<time datetime="2025-01-08">2025 Jan 8</time>' in html


def test_the_partial_escapes_what_editors_typed():
    reference = ReferenceFactory(title="<script>alert(1)</script>", url="https://example.org/x")
    html = render(reference)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
