"""The Markdown export writes each reference as readers see it, in NLM/Vancouver style, and
importing the file finds the same references again: by the address the line names ("Available
from: …"), or by the DOI, PMID or PMCID it states. A citation naming a paper the library does
not have yet becomes a new reference with those identifiers, and the editor is told to check
the title read from it."""

import datetime

import pytest

from articles.editing import imports
from articles.textformat import importer
from articles.textformat.markdown import article_markdown
from references.models import Reference
from tests.factories import ArticleFactory, CategoryFactory, CitationFactory, ReferenceFactory

pytestmark = pytest.mark.django_db


def wessells(**fields):
    values = {
        "title": "Estimating the global prevalence of zinc deficiency",
        "url": "https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0050568",
        "reference_type": "article-journal",
        "authors": [{"family": "Wessells", "given": "KR"}, {"family": "Brown", "given": "KH"}],
        "container_title_short": "PLoS One",
        "issued_year": 2012,
        "volume": "7",
        "issue": "11",
        "pages": "e50568",
        "doi": "10.1371/journal.pone.0050568",
        "pmid": "23209846",
        "retrieved_on": None,
    }
    return ReferenceFactory(**{**values, **fields})


def web_page():
    return ReferenceFactory(
        title="Magnesium: fact sheet for consumers",
        url="https://ods.od.nih.gov/factsheets/Magnesium-Consumer/",
        retrieved_on=datetime.date(2025, 1, 8),
    )


def import_text(text):
    draft = importer.parse(text, filename="export.md", disclaimers=imports.disclaimer_hints())
    result = imports.import_article(draft=draft, category=CategoryFactory(), on_existing="new")
    return result


def article_citing(*references):
    article = ArticleFactory()
    for position, reference in enumerate(references, start=1):
        CitationFactory(article=article, reference=reference, position=position)
    return article


def reference_lines(text):
    return text.split("## References\n\n", 1)[1].split("\n\n", 1)[0].splitlines()


def test_export_writes_each_reference_in_nlm_style_with_its_address():
    paper, page = wessells(), web_page()
    lines = reference_lines(article_markdown(article_citing(paper, page)))
    assert lines == [
        "1. Wessells KR, Brown KH. Estimating the global prevalence of zinc deficiency. PLoS One. "
        "2012;7(11):e50568. doi:10.1371/journal.pone.0050568 PubMed PMID: 23209846. "
        f"Available from: {paper.url}",
        "2. Magnesium: fact sheet for consumers \\[Internet\\]. ods.od.nih.gov; "
        "\\[cited 2025 Jan 8\\]. Available from: https://ods.od.nih.gov/factsheets/Magnesium-Consumer/",
    ]


def test_import_of_the_export_cites_the_same_references_and_adds_none():
    paper, page = wessells(), web_page()
    text = article_markdown(article_citing(paper, page))
    before = Reference.objects.count()

    copy = import_text(text).article

    assert [c.reference for c in copy.citations.all()] == [paper, page]
    assert Reference.objects.count() == before


@pytest.mark.parametrize(
    "line",
    [
        # The address changed since the export; the DOI still names the paper.
        "Wessells KR, Brown KH. Estimating the global prevalence of zinc deficiency. PLoS One. "
        "2012;7(11):e50568. doi:10.1371/journal.pone.0050568 "
        "Available from: https://www.example.org/moved/zinc",
        # No address at all: the style's own line for a paper read in print.
        "Wessells KR, Brown KH. Estimating the global prevalence of zinc deficiency. PLoS One. "
        "2012;7(11):e50568. PubMed PMID: 23209846.",
    ],
)
def test_a_citation_is_found_by_its_identifiers(line):
    paper = wessells()
    result = import_text(f"# Zinc\n\nAbout zinc.\n\n## References\n\n1. {line}\n")
    assert [c.reference for c in result.article.citations.all()] == [paper]
    assert result.references == [(paper, True)]


def test_a_citation_new_to_the_library_keeps_its_identifiers_and_asks_for_a_check():
    line = (
        "Barbagallo M, Veronese N, Dominguez LJ. Magnesium in Aging, Health and Diseases. "
        "Nutrients. 2021 Jan 30;13(2):463. doi:10.3390/nu13020463 PubMed PMID: 33573164; "
        "PubMed Central PMCID: PMC7912123."
    )
    result = import_text(f"# Magnesium\n\nAbout magnesium.\n\n## References\n\n1. {line}\n")
    ((reference, reused),) = result.references
    assert not reused
    assert reference.title == "Magnesium in Aging, Health and Diseases"
    assert reference.url == "https://doi.org/10.3390/nu13020463"
    assert (reference.doi, reference.pmid, reference.pmcid) == (
        "10.3390/nu13020463",
        "33573164",
        "PMC7912123",
    )
    assert any(
        "Reference 1 is new to the library" in warning and "check it" in warning
        for warning in result.warnings
    )


def test_a_web_page_citation_new_to_the_library_keeps_the_day_it_was_read():
    line = (
        "Magnesium in the Central Nervous System \\[Internet\\]. ncbi.nlm.nih.gov; "
        "\\[cited 2025 Jan 8\\]. Available from: https://www.ncbi.nlm.nih.gov/books/NBK507256/"
    )
    result = import_text(f"# Magnesium\n\nAbout magnesium.\n\n## References\n\n1. {line}\n")
    ((reference, _reused),) = result.references
    assert reference.title == "Magnesium in the Central Nervous System"
    assert reference.url == "https://www.ncbi.nlm.nih.gov/books/NBK507256/"
    assert reference.retrieved_on == datetime.date(2025, 1, 8)
    assert reference.bookshelf_id == "NBK507256"


def test_the_older_retrieved_from_lines_still_import():
    text = (
        "# Magnesium\n\nAbout magnesium.\n\n## References\n\n"
        "1. Magnesium and aging. Retrieved from: https://pubmed.ncbi.nlm.nih.gov/20388094/\n"
    )
    draft = importer.parse(text, filename="old.md")
    assert [(r.title, r.url, r.from_citation) for r in draft.references] == [
        ("Magnesium and aging", "https://pubmed.ncbi.nlm.nih.gov/20388094/", False)
    ]


def test_a_citation_with_neither_address_nor_identifier_is_kept_as_text():
    text = (
        "# Magnesium\n\nAbout magnesium.\n\n## References\n\n"
        "1. Smith J. A book without an address \\[Internet\\]. \\[cited 2025 Jan 8\\].\n"
    )
    draft = importer.parse(text, filename="odd.md")
    assert draft.references == []
    assert any("References" in warning for warning in draft.warnings)
