"""An RDA table with a place is shown inside its section, right after the paragraph that
introduces it; the section's text is cut only between whole elements. Tables with no place keep
theirs, after the sections."""

import pytest

from articles.editing import imports
from articles.site.outline import split_after_paragraphs
from articles.textformat import importer
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    RDARowFactory,
    RDATableFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

BODY = (
    "<p>Zinc is needed by many enzymes.</p>"
    "<ul><li><p>A paragraph inside a list item</p></li></ul>"
    "<p>The Recommended Dietary Allowance (RDA) for zinc is:</p>"
    "<blockquote><p>Quoted.</p></blockquote>"
    "<p>Higher doses are not better.</p>"
)


class Table:
    def __init__(self, after_paragraph):
        self.after_paragraph = after_paragraph


def test_the_text_is_cut_after_the_numbered_top_level_paragraph():
    table = Table(after_paragraph=2)
    first, second = split_after_paragraphs(BODY, [table])
    assert first.html.endswith("(RDA) for zinc is:</p>") and first.tables == [table]
    assert second.html.startswith("<blockquote>") and second.tables == []
    assert first.html + second.html == BODY


def test_paragraphs_inside_lists_and_quotes_are_not_counted():
    body = BODY + "<p>Last.</p>"
    first, _rest = split_after_paragraphs(body, [Table(after_paragraph=3)])
    assert first.html.endswith("</blockquote><p>Higher doses are not better.</p>")


def test_no_paragraph_or_one_past_the_end_puts_the_table_at_the_end():
    tables = [Table(after_paragraph=None), Table(after_paragraph=9)]
    [part] = split_after_paragraphs(BODY, tables)
    assert (part.html, part.tables) == (BODY, tables)


def test_void_elements_and_entities_do_not_shift_the_cut():
    body = "<p>One<br>two &amp; three</p><hr><p>Intro:</p><p>After</p>"
    [first, second] = split_after_paragraphs(body, [Table(after_paragraph=2)])
    assert (first.html, second.html) == (
        "<p>One<br>two &amp; three</p><hr><p>Intro:</p>",
        "<p>After</p>",
    )


def test_the_page_shows_the_table_inside_its_section_after_its_paragraph(client):
    article = ArticleFactory()
    section = SectionFactory(article=article, heading="Dosage", body=BODY)
    SectionFactory(article=article, heading="Conclusion", body="<p>In short.</p>")
    table = RDATableFactory(article=article, section=section, after_paragraph=2)
    RDARowFactory(table=table)
    content = client.get(article.get_absolute_url()).content.decode()
    intro = content.index("(RDA) for zinc is:</p>")
    table_at = content.index('<div class="rda-block">')
    assert intro < table_at < content.index("<blockquote>") < content.index('id="conclusion"')
    assert 'id="intake-tables"' not in content
    assert content.count('<div class="rda-block">') == 1


def test_a_table_with_no_place_keeps_its_place_after_the_sections(client):
    article = ArticleFactory()
    SectionFactory(article=article, heading="Dosage", body=BODY)
    RDARowFactory(table=RDATableFactory(article=article))
    content = client.get(article.get_absolute_url()).content.decode()
    assert content.index("Higher doses are not better.") < content.index('id="intake-tables"')
    assert content.index('id="intake-tables"') < content.index('<div class="rda-block">')
    assert 'href="#intake-tables"' in content


def test_an_imported_rda_list_after_an_intro_sentence_renders_right_after_it(client):
    """The parser, the saved table and the page count the same thing: top-level paragraphs,
    not the list before the lead-in."""
    text = (
        "# Zinc basics\n\nWhat zinc does.\n\n## Dosage\n\nZinc is needed by many enzymes.\n\n"
        "- a list before the lead-in\n\n"
        "The Recommended Dietary Allowance (RDA) for zinc is:\n\n"
        "- Men aged 19 and older: 11 mg/day\n- Women aged 19 and older: 8 mg/day\n\n"
        "Higher doses are not better.\n"
    )
    draft = importer.parse(text, disclaimers=imports.disclaimer_hints())
    [table] = draft.rda_tables
    dosage = next(i for i, s in enumerate(draft.sections) if s.heading == "Dosage")
    assert (table.section_index, table.after_paragraph) == (dosage, 2)
    result = imports.import_article(draft=draft, category=CategoryFactory())
    saved = result.article.rda_tables.get()
    assert (saved.section.heading, saved.after_paragraph) == ("Dosage", 2)
    article = result.article
    article.status, article.publish_at = "published", None
    article.save()
    content = client.get(article.get_absolute_url()).content.decode()
    intro = content.index("(RDA) for zinc is:</p>")
    assert intro < content.index('<div class="rda-block">') < content.index("Higher doses")
    assert 'id="intake-tables"' not in content


def test_a_table_with_no_paragraph_before_it_is_shown_before_the_text(client):
    article = ArticleFactory()
    section = SectionFactory(article=article, heading="Dosage", body=BODY)
    RDARowFactory(table=RDATableFactory(article=article, section=section, after_paragraph=0))
    content = client.get(article.get_absolute_url()).content.decode()
    assert content.index('<div class="rda-block">') < content.index("Zinc is needed")
