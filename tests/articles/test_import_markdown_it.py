"""Markdown read through markdown-it-py: CommonMark constructs, the nesting limit, pathological
inputs (each finishes with a draft or one clear error; the speed is measured in benchmarks/),
and where the publisher's conventions put headings, intake tables and study types."""

from pathlib import Path

import pytest

from articles.models import Study
from articles.textformat.blocks import MAX_NESTING
from articles.textformat.draft import read_bytes
from articles.textformat.importer import ArticleImportError, parse

SAMPLES = Path(__file__).parent / "samples"
HEAD = "# Notes\n\nA standfirst.\n\n## Body\n\n"


def body(markdown):
    return parse(HEAD + markdown, fmt="markdown").sections[0].body


def test_setext_headings_are_title_and_sections():
    draft = parse("Notes\n=====\n\nA standfirst.\n\nBody\n----\n\nText.\n", fmt="markdown")
    assert draft.title == "Notes"
    assert [(s.heading, s.level) for s in draft.sections] == [("Body", 2)]


def test_underscore_emphasis_and_strong():
    assert body("An _italic_ and a __bold__ word.\n") == (
        "<p>An <em>italic</em> and a <strong>bold</strong> word.</p>"
    )


def test_code_spans_are_kept_as_their_text():
    assert body("Type `**not bold**` here.\n") == "<p>Type **not bold** here.</p>"


def test_autolinks_become_links():
    assert body("See <https://example.org/a>.\n") == (
        '<p>See <a href="https://example.org/a">https://example.org/a</a>.</p>'
    )


def test_a_link_to_another_scheme_keeps_its_target_as_text():
    assert body("[x](ftp://example.org/f)\n") == "<p>x (ftp://example.org/f)</p>"


def test_inline_html_other_than_sub_and_sup_is_text():
    assert body("H<sub>2</sub>O <script>alert(1)</script>\n") == (
        "<p>H<sub>2</sub>O &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


def test_an_underscore_label_makes_a_call_out():
    draft = parse(
        HEAD + "- __Clinical Insight:__ A study in Nutrients found that 40% improved "
        "(Kim et al., 2019).\n",
        fmt="markdown",
    )
    (study,) = draft.sections[0].studies
    assert (study.label, study.journal, study.effect_figure) == (
        "Clinical Insight",
        "Nutrients",
        "40%",
    )


def nested_list(depth):
    return "".join("  " * level + f"- level {level}\n" for level in range(depth))


def test_lists_nested_to_the_limit_are_read():
    html = body(nested_list(MAX_NESTING))
    assert html.count("<ul>") == MAX_NESTING
    assert f"level {MAX_NESTING - 1}" in html


@pytest.mark.parametrize(
    "markdown", [nested_list(MAX_NESTING + 1), nested_list(250), ">" * 250 + " deep\n"]
)
def test_deeper_nesting_is_one_clear_error(markdown):
    with pytest.raises(ArticleImportError) as caught:
        parse(HEAD + markdown, fmt="markdown")
    message = str(caught.value)
    assert "\n" not in message
    assert f"nested more than {MAX_NESTING} levels deep" in message


@pytest.mark.parametrize(
    ("markdown", "kept"),
    [
        ("[" * 40_000 + "\n", "[" * 40_000),
        ("[a](" * 10_000 + "\n", "[a](" * 10_000),
        ("(Kim et al., " * 5_000 + "\n", "(Kim et al., " * 4_999),
    ],
)
def test_pathological_paragraphs_finish_and_keep_their_text(markdown, kept):
    assert kept in parse(HEAD + markdown, fmt="markdown").sections[0].body


def test_a_run_of_emphasis_marks_finishes_and_keeps_every_word():
    html = body("*a _b " * 10_000 + "\n")
    assert html.count("a") == html.count("b") == 10_000


def test_blank_lines_inside_a_list_keep_one_list():
    html = body("- first\n" + "\n" * 50_000 + "- last\n")
    assert html == "<ul><li>first</li><li>last</li></ul>"


@pytest.mark.parametrize(
    "text",
    [
        "A Title\nA standfirst.\nBody\n" + "[" * 50_000 + "\n",
        "A Title\nA standfirst.\nBody\nText" + " " * 200_000 + "is an original\n",
        "A Title\nA standfirst.\nBody\n- first\n" + "\n" * 50_000 + "- last\n",
    ],
)
def test_pathological_plain_text_finishes(text):
    draft = parse(text, fmt="plain")
    assert draft.title == "A Title" and draft.sections


#: The publisher's article this system was designed around, kept outside the repository (beside
#: the checkout, in shared/content/, as on the developers' machines and in CI): the project may
#: not copy its sentences.
SOURCE_ARTICLE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "content"
    / "magnesium-glycinate-nerve-conduction.txt"
)


@pytest.fixture(scope="module")
def source_article():
    if not SOURCE_ARTICLE.exists():
        pytest.skip(f"the publisher's source article is not beside the checkout ({SOURCE_ARTICLE})")
    return parse(read_bytes(SOURCE_ARTICLE.read_bytes()), filename=SOURCE_ARTICLE.name)


def test_sub_headings_after_a_parent_with_no_text_are_its_sub_sections(source_article):
    levels = {s.heading: s.level for s in source_article.sections}
    assert [
        levels[h]
        for h in (
            "Practical Benefits of Magnesium Glycinate for Nerve Health",
            "Daily Supplementation",
            "Combination with Other Therapies",
            "Addressing Specific Conditions",
            "Dosage and Safety Considerations",
        )
    ] == [2, 3, 3, 3, 2]
    assert any(
        "Practical Benefits" in w and "“Dosage and Safety Considerations” starts a section" in w
        for w in source_article.warnings
    )


def test_the_intake_table_keeps_its_place_after_its_lead_in(source_article):
    (table,) = source_article.rda_tables
    section = source_article.sections[table.section_index]
    assert section.heading == "Dosage and Safety Considerations"
    assert table.after_paragraph == 1
    assert section.blocks[0].endswith("for magnesium is:</p>")


def test_study_types_are_only_what_the_text_names(source_article):
    studies = {s.authors: s for s in source_article.studies}
    assert {s.study_type for s in studies.values()} == {""}
    assert studies["Zeng et al."].type_as_written == "A randomized trial"
    assert studies["Xu et al."].type_as_written == "A study"


@pytest.mark.parametrize(
    ("lead", "study_type"),
    [
        ("A 2019 meta-analysis", Study.StudyType.SYSTEMATIC_REVIEW),
        ("A randomised controlled trial", Study.StudyType.RANDOMISED_TRIAL),
        ("A small crossover trial", ""),
        ("A prevalence survey", ""),
    ],
)
def test_an_exact_type_name_in_the_lead_in_sets_the_type(lead, study_type):
    draft = parse(
        HEAD + f"- Clinical Insight: {lead} found that 40% improved (Kim et al., 2019).\n",
        fmt="markdown",
    )
    (study,) = draft.sections[0].studies
    assert (study.study_type, study.type_as_written) == (study_type, lead)


def test_a_heading_after_a_lead_in_is_a_sub_section():
    draft = parse(
        "Iron Basics\nIron carries oxygen.\nWhere It Comes From\nTwo kinds of food matter:\n"
        "Meat and Fish\nHaem iron is absorbed well.\nConclusion\nEat both.\n",
        fmt="plain",
    )
    assert [(s.heading, s.level) for s in draft.sections] == [
        ("Where It Comes From", 2),
        ("Meat and Fish", 3),
        ("Conclusion", 2),
    ]
