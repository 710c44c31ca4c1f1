"""The importer's parser: what it recognises in plain text and Markdown, without a database."""

from decimal import Decimal
from pathlib import Path

import pytest

from articles.models import RDARow, Study
from articles.textformat import importer
from articles.textformat.draft import MAX_BYTES, DisclaimerHint, read_bytes
from articles.textformat.importer import ArticleImportError, parse

SAMPLES = Path(__file__).parent / "samples"

#: The two standard disclaimers as the parser is told about them (see migration 0003).
HINTS = [
    DisclaimerHint(
        name="Medical note",
        title="Important Note",
        body="<p>This article is general information, not medical advice.</p>",
        is_default=True,
    ),
    DisclaimerHint(
        name="FDA supplement statement",
        title="About dietary supplements and other non-prescription products",
        body="<p>Not evaluated by the U.S. Food and Drug Administration.</p>",
        is_default=True,
    ),
]


def sample(name, **kwargs):
    path = SAMPLES / name
    return parse(read_bytes(path.read_bytes()), filename=path.name, disclaimers=HINTS, **kwargs)


@pytest.fixture(scope="module")
def plain():
    return sample("vitamin-d-bone-health.txt")


@pytest.fixture(scope="module")
def markdown():
    return sample("zinc-immune-function.md")


def section(draft, heading):
    return next(s for s in draft.sections if s.heading == heading)


def has_warning(draft, *words):
    return any(all(word in warning for word in words) for warning in draft.warnings)


class TestPlainText:
    def test_format_is_detected_from_the_file(self, plain):
        assert plain.format == importer.PLAIN

    def test_title_comes_from_the_attribution_line_which_is_kept(self, plain):
        assert plain.title == "Vitamin D and Bone Health: A Practical Guide"
        assert plain.slug == "vitamin-d-and-bone-health-a-practical-guide"
        assert plain.attribution == (
            "Vitamin D and Bone Health: A Practical Guide is an original (HSLHealing) article."
        )

    def test_standfirst_is_the_first_paragraph_and_the_rest_an_introduction(self, plain):
        assert plain.standfirst.startswith("Vitamin D helps the body take up calcium")
        intro = plain.sections[0]
        assert intro.heading == "" and intro.body.startswith("<p>This article looks at")

    def test_short_unpunctuated_lines_followed_by_text_are_headings(self, plain):
        headings = [(s.heading, s.level) for s in plain.sections]
        assert headings == [
            ("", 2),
            ("How Vitamin D Works in the Body", 2),
            ("How Common Is a Shortfall", 2),
            ("What the Research Shows for Bones", 2),
            ("Slowing Bone Loss in Older Adults", 3),
            ("Fewer Falls and Fractures", 3),
            ("Effects in Laboratory Models", 3),
            ("Tips for Everyday Life", 2),
            ("Dosage and Safety Considerations", 2),
            ("Conclusion: Vitamin D for Stronger Bones", 2),
            ("References", 2),
        ]

    def test_numbered_sub_headings_number_their_parent_and_lose_their_number(self, plain):
        assert section(plain, "What the Research Shows for Bones").number_subsections
        assert not section(plain, "How Vitamin D Works in the Body").number_subsections

    def test_list_items_keep_a_bold_lead_in(self, plain):
        body = section(plain, "How Vitamin D Works in the Body").body
        assert "<li><strong>Gut:</strong> It raises how much calcium" in body
        assert body.endswith(
            "<p>Levels tend to drop in winter, when the sun is too low for the "
            "skin to make much of it.</p>"
        )

    def test_a_labelled_item_without_a_cited_study_stays_in_the_list(self, plain):
        tips = section(plain, "Tips for Everyday Life")
        assert "<li><strong>Tip:</strong> ask about a blood test" in tips.body
        assert tips.studies == []

    def test_call_outs_are_read_into_studies(self, plain):
        (study,) = section(plain, "Slowing Bone Loss in Older Adults").studies
        assert study.display == Study.Display.CALLOUT
        assert study.label == "Clinical Insight"
        assert study.journal == "The Journal of Bone and Mineral Research"
        assert (study.authors, study.year) == ("Dawson et al.", 2014)
        assert study.finding == (
            "Daily vitamin D with calcium reduced bone loss at the hip by 1.2% over two years."
        )
        assert study.effect_figure == "1.2%"
        assert (study.study_type, study.type_as_written) == ("", "A randomized trial")
        assert "Clinical Insight" not in section(plain, "Slowing Bone Loss in Older Adults").body

    def test_published_in_and_demonstrated_lead_ins_are_understood(self, plain):
        (study,) = section(plain, "Fewer Falls and Fractures").studies
        assert study.journal == "Osteoporosis International"
        assert study.finding.startswith("Vitamin D lowered the risk of falling by 19%")
        assert study.study_type == Study.StudyType.SYSTEMATIC_REVIEW
        assert study.type_as_written == "A systematic review"

    def test_a_study_type_is_never_inferred_from_the_finding(self, plain):
        (study,) = section(plain, "Effects in Laboratory Models").studies
        assert "animal models" in study.finding
        assert (study.study_type, study.type_as_written) == ("", "A study")
        assert not has_warning(plain, "guessed")

    def test_citations_in_paragraphs_become_in_text_studies(self, plain):
        first, second = section(plain, "How Common Is a Shortfall").studies
        assert first.display == second.display == Study.Display.IN_TEXT
        assert (first.authors, first.year, first.effect_figure) == (
            "Holick & Chen",
            2008,
            "1 billion",
        )
        assert first.finding == (
            "Estimates suggest that about 1 billion people worldwide have low vitamin D levels."
        )
        assert (second.authors, second.effect_figure) == ("Cashman et al.", "24%")
        assert "(Holick &amp; Chen, 2008)" in section(plain, "How Common Is a Shortfall").body

    def test_an_intake_list_becomes_a_table_named_from_the_sentence_before(self, plain):
        (table,) = plain.rda_tables
        assert (table.nutrient, table.unit) == ("Vitamin D", "mcg")
        assert [(r.life_stage, r.age_from, r.age_to, r.amount) for r in table.rows] == [
            (RDARow.LifeStage.CHILDREN, 1, 13, Decimal("15")),
            (RDARow.LifeStage.MEN, 19, 70, Decimal("15")),
            (RDARow.LifeStage.MEN, 71, None, Decimal("20")),
            (RDARow.LifeStage.WOMEN, 19, 70, Decimal("15")),
            (RDARow.LifeStage.WOMEN, 71, None, Decimal("20")),
        ]
        assert has_warning(plain, "nutrient", "Vitamin D")
        dosage = section(plain, "Dosage and Safety Considerations").body
        assert "<li>" not in dosage and "for vitamin D is:" in dosage

    def test_references_are_read_and_a_repeated_one_is_cited_once(self, plain):
        assert [r.url for r in plain.references] == [
            "https://www.example.org/vitamin-d/deficiency-adults",
            "https://www.example.org/vitamin-d/falls",
            "https://www.example.org/vitamin-d/bone-density",
        ]
        assert plain.references[0].title == "Vitamin D deficiency in adults"
        assert has_warning(plain, "Vitamin D deficiency in adults", "listed twice")

    def test_a_reference_line_without_an_address_is_kept_as_text(self, plain):
        assert section(plain, "References").body == (
            "<ul><li>A reading list kept by the editors</li></ul>"
        )
        assert has_warning(plain, "A reading list kept by the editors", "not recognised")

    def test_you_may_also_like_titles_are_read_despite_the_typo(self, plain):
        assert plain.related_titles == [
            "Calcium and Bone Density: What the Evidence Says",
            "A Guide to Sunlight and Skin Health",
        ]

    def test_closing_notes_map_to_the_standard_disclaimers(self, plain):
        assert plain.disclaimers == ["Medical note", "FDA supplement statement"]
        assert has_warning(plain, "Regarding Dietary Supplements", "FDA supplement statement")
        assert not any("Important Note" in s.body for s in plain.sections)

    def test_a_heading_with_no_text_of_its_own_is_pointed_out(self):
        text = (
            "A short introduction to iron.\n"
            "Iron and Energy is an original (HSLHealing) article.\n"
            "Practical Advice\n"
            "Morning Habits\n"
            "Take iron with a glass of orange juice.\n"
        )
        draft = parse(text)
        assert [s.heading for s in draft.sections] == ["Practical Advice", "Morning Habits"]
        assert has_warning(draft, "Practical Advice", "no text of its own")


class TestMarkdown:
    def test_title_standfirst_and_introduction(self, markdown):
        assert markdown.format == importer.MARKDOWN
        assert markdown.title == "Zinc and Immune Function"
        assert markdown.standfirst.startswith("Zinc is a trace mineral")
        intro = markdown.sections[0]
        assert intro.heading == ""
        assert "<em>details</em>" in intro.body
        assert '<a href="https://ods.od.nih.gov/factsheets/Zinc-Consumer/">' in intro.body

    def test_sections_and_numbered_sub_sections(self, markdown):
        assert [(s.heading, s.level, s.number_subsections) for s in markdown.sections] == [
            ("", 2, False),
            ("What Zinc Does", 2, False),
            ("Zinc and Colds", 2, True),
            ("Shorter Colds", 3, False),
            ("Side Effects", 3, False),
        ]

    def test_bold_lead_ins_nested_lists_and_line_breaks(self, markdown):
        body = section(markdown, "What Zinc Does").body
        assert "<li><strong>Immune cells:</strong> it helps T cells mature" in body
        assert "a shortfall can dull both.<ul><li>Losing the sense of taste" in body
        assert "feel sick.<br>Taking lozenges" in section(markdown, "Side Effects").body

    def test_a_quoted_call_out_with_its_tail(self, markdown):
        (study,) = section(markdown, "Shorter Colds").studies
        assert study.label == "Clinical Insight"
        assert study.journal == "Open Forum Infectious Diseases"
        assert study.finding == "Zinc acetate lozenges shortened colds by 40% on average."
        assert study.study_type == Study.StudyType.SYSTEMATIC_REVIEW
        assert study.effect_figure == "40%"
        assert study.reference_number == 1

    def test_a_list_call_out_with_an_italic_journal(self, markdown):
        side_effects = section(markdown, "Side Effects")
        (study,) = side_effects.studies
        assert (study.label, study.journal) == (
            "Research Findings",
            "The Journal of Infectious Diseases",
        )
        assert study.finding == "Nausea was reported by 15% of those taking lozenges."
        assert "<strong>Good to know:</strong> lozenges work only" in side_effects.body
        assert "Research Findings" not in side_effects.body

    def test_in_text_citation(self, markdown):
        (study,) = section(markdown, "What Zinc Does").studies
        assert (study.display, study.authors, study.effect_figure) == (
            Study.Display.IN_TEXT,
            "Wessells & Brown",
            "17%",
        )

    def test_intake_section_gives_nutrient_unit_source_and_upper_limit(self, markdown):
        (table,) = markdown.rda_tables
        assert (table.nutrient, table.unit, table.source_note) == (
            "Zinc",
            "mg",
            "Food and Nutrition Board, National Academies",
        )
        assert (table.upper_limit, table.upper_limit_applies_to) == (Decimal("40"), "adults")
        assert [(r.life_stage, r.age_from, r.age_to) for r in table.rows] == [
            (RDARow.LifeStage.MEN, 19, None),
            (RDARow.LifeStage.WOMEN, 19, None),
            (RDARow.LifeStage.PREGNANCY, 19, None),
            (RDARow.LifeStage.LACTATION, 19, None),
        ]
        assert not has_warning(markdown, "nutrient")
        assert "Recommended intakes" not in [s.heading for s in markdown.sections]

    def test_references_as_links_and_duplicates_by_normalised_address(self, markdown):
        assert [(r.title, r.url) for r in markdown.references] == [
            (
                "Zinc for the common cold: a meta-analysis of patient data",
                "https://www.example.org/zinc/cold-meta-analysis",
            ),
            ("Zinc and immunity in older adults", "https://www.example.org/zinc/older-adults"),
        ]
        assert has_warning(markdown, "listed twice")

    def test_related_attribution_and_disclaimers(self, markdown):
        assert markdown.related_titles == ["vitamin c and colds: separating fact from fiction"]
        assert (
            markdown.attribution == "Zinc and Immune Function is an original (HSLHealing) article."
        )
        assert markdown.disclaimers == ["Medical note", "FDA supplement statement"]

    def test_escaped_punctuation_is_text_not_structure(self):
        text = (
            "# Notes\n\nA standfirst.\n\n## Body\n\n"
            "Price: 5 \\* 2 \\[not a link\\] and a cited claim \\(Lee et al., 2020).\n\n"
            "Source\\: not an intake note.\n"
        )
        draft = parse(text, disclaimers=HINTS)
        body = draft.sections[0]
        assert body.studies == []
        assert "5 * 2 [not a link] and a cited claim (Lee et al., 2020)." in body.body
        assert "<p>Source: not an intake note.</p>" in body.body


class TestTitle:
    def test_a_typed_title_wins_with_a_warning(self):
        draft = sample("zinc-immune-function.md", title="Zinc, Colds and Immunity")
        assert draft.title == "Zinc, Colds and Immunity"
        assert has_warning(draft, "Zinc and Immune Function")

    def test_a_plain_first_line_can_be_the_title(self):
        draft = parse("Iron for Runners\nRunners lose iron in sweat.\nWhy It Matters\nText.\n")
        assert draft.title == "Iron for Runners"
        assert draft.standfirst == "Runners lose iron in sweat."

    def test_no_title_is_one_clear_error(self):
        with pytest.raises(ArticleImportError, match="No title found"):
            sample("no-title.txt")

    def test_no_title_is_fine_when_the_editor_types_one(self):
        assert sample("no-title.txt", title="Iron and Tiredness").title == "Iron and Tiredness"

    def test_a_text_starting_with_a_heading_has_no_standfirst(self):
        with pytest.raises(ArticleImportError, match="No standfirst"):
            parse("# Iron\n\n## Why\n\nBecause.\n")


class TestReadingBytes:
    def test_utf8_with_a_byte_order_mark(self):
        assert read_bytes("\ufeffCafé".encode()) == "Café"

    def test_windows_1252_is_the_fallback(self):
        assert read_bytes("“Café” – 5 µg".encode("cp1252")) == "“Café” – 5 µg"

    def test_empty_and_blank_files(self):
        for data in [b"", b"  \n\t\n", (SAMPLES / "empty.txt").read_bytes()]:
            with pytest.raises(ArticleImportError, match="empty"):
                read_bytes(data)

    def test_a_file_with_nul_bytes_is_binary(self):
        with pytest.raises(ArticleImportError, match="not a text file"):
            read_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    def test_control_characters_mean_binary(self):
        with pytest.raises(ArticleImportError, match="not a text file"):
            read_bytes(b"PK\x03\x04\x14\x06 zip-like")

    def test_undecodable_bytes(self):
        with pytest.raises(ArticleImportError, match="could not be read"):
            read_bytes(b"caf\x81\x8d\x8f")

    def test_over_two_megabytes(self):
        with pytest.raises(ArticleImportError, match=r"2\.1 MB; files of up to 2 MB"):
            read_bytes(b"a" * (MAX_BYTES + 100_000))

    def test_pasted_text_over_two_megabytes(self):
        with pytest.raises(ArticleImportError, match="over 2 MB"):
            importer.check_text("é" * (MAX_BYTES // 2 + 1))


class TestStudyLines:
    @pytest.mark.parametrize(
        ("line", "figure"),
        [
            ("Levels fell by 20-30% in a month (Kim et al., 2019).", "20-30%"),
            ("About 35% responded (Kim & Lee, 2019).", "35%"),
            ("Around 4 million adults are affected (Kim, 2019).", "4 million"),
            ("Levels fell in a month (Kim et al., 2019).", ""),
        ],
    )
    def test_effect_figures(self, line, figure):
        (study,) = importer.in_text_studies(line)
        assert study.effect_figure == figure
        assert figure in study.finding

    def test_two_citations_in_one_parenthesis(self):
        studies = importer.in_text_studies("Both agree (Kim et al., 2019; Park & Lee, 2020).")
        assert [(s.authors, s.year) for s in studies] == [
            ("Kim et al.", 2019),
            ("Park & Lee", 2020),
        ]

    def test_an_explicit_tail_wins_over_guesses(self):
        found = importer.read_study(
            "A study in Nutrients found that 40% improved. (Kim et al., 2019) — no journal; "
            "type not stated; no figure",
            display=Study.Display.CALLOUT,
            fmt=importer.MARKDOWN,
        )
        study = found.study
        assert study.finding == "A study in Nutrients found that 40% improved."
        assert (study.journal, study.study_type, study.effect_figure) == ("", "", "")
        assert found.warnings == []
