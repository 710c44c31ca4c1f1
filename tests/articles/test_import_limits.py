"""Texts no article has are refused before they are parsed, each with one line saying why:
more headings than MAX_HEADINGS, more nested list items than MAX_NESTED_ITEMS, a paragraph
longer than MAX_PARAGRAPH. Texts just inside each limit are read as usual. (How fast is
measured in benchmarks/import_size.py, never here.)"""

import pytest

from articles.textformat.blocks import MAX_PARAGRAPH
from articles.textformat.draft import MAX_HEADINGS, MAX_NESTED_ITEMS
from articles.textformat.importer import ArticleImportError, parse

HEAD = "# Notes\n\nA standfirst.\n\n"
PLAIN_HEAD = "Notes\nA standfirst.\n"


def refusal(text, fmt):
    with pytest.raises(ArticleImportError) as caught:
        parse(text, fmt=fmt)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_more_headings_than_the_limit_are_refused_with_their_count():
    text = HEAD + "## A Heading\n\nText.\n\n" * MAX_HEADINGS  # and the title's
    assert refusal(text, "markdown").startswith(f"The text has {MAX_HEADINGS + 1:,} heading")


def test_plain_text_heading_lines_count_too():
    text = PLAIN_HEAD + "A Heading About Nerves\nSome text.\n" * MAX_HEADINGS  # and "Notes"
    assert f"{MAX_HEADINGS + 1:,} heading lines" in refusal(text, "plain")


def test_as_many_headings_as_the_limit_are_read():
    text = HEAD + "## A Heading\n\nText.\n\n" * (MAX_HEADINGS - 1)
    assert len(parse(text, fmt="markdown").sections) == MAX_HEADINGS - 1


def test_more_nested_list_items_than_the_limit_are_refused():
    text = HEAD + "## Body\n\n" + "- item\n  - nested\n" * (MAX_NESTED_ITEMS + 1)
    assert f"{MAX_NESTED_ITEMS + 1:,} list items inside other lists" in refusal(text, "markdown")


@pytest.mark.parametrize("unit", ["*a _b ", "[a](", "word "])
def test_a_paragraph_over_the_limit_is_refused_naming_its_line(unit):
    text = HEAD + "## Body\n\n" + unit * (MAX_PARAGRAPH // len(unit) + 1) + "\n"
    assert refusal(text, "markdown").startswith("The paragraph at line 7 is ")


def test_a_plain_line_over_the_limit_is_refused_but_spaces_do_not_count():
    long_line = "word " * (MAX_PARAGRAPH // 5 + 1)
    assert "at line 3" in refusal(PLAIN_HEAD + long_line + "\n", "plain")
    spaced = PLAIN_HEAD + "Body\nText" + " " * (MAX_PARAGRAPH + 1) + "stays.\n"
    assert parse(spaced, fmt="plain").sections
