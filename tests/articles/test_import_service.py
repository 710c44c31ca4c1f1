"""Saving an imported article: one transaction, existing references and articles reused,
an existing address never overwritten silently."""

import datetime
from pathlib import Path

import pytest
import reversion
from reversion.models import Version

from articles.editing import imports, workflow
from articles.models import Article, Citation, Disclaimer, RDATable, Section, Study
from articles.textformat import importer
from articles.textformat.draft import read_bytes
from articles.textformat.markdown import article_markdown
from references.models import Reference
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ContributorFactory,
    ReferenceFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"


def draft_of(name, **kwargs):
    path = SAMPLES / name
    return importer.parse(
        read_bytes(path.read_bytes()),
        filename=path.name,
        disclaimers=imports.disclaimer_hints(),
        **kwargs,
    )


def run_import(draft, **kwargs):
    kwargs.setdefault("category", CategoryFactory())
    kwargs.setdefault("author", ContributorFactory())
    return imports.import_article(draft=draft, **kwargs)


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, Section, Study, RDATable, Reference, Citation)
    }


@pytest.fixture
def calcium_article():
    return ArticleFactory(title="Calcium and Bone Density: What the Evidence Says")


class TestNewArticle:
    def test_plain_text_sample_is_saved_as_a_draft_with_everything(self, calcium_article):
        result = run_import(draft_of("vitamin-d-bone-health.txt"))

        article = Article.objects.get(slug="vitamin-d-and-bone-health-a-practical-guide")
        assert result.created and result.article == article
        assert article.status == Article.Status.DRAFT and article.publish_at is None
        assert article.attribution.endswith("is an original (HSLHealing) article.")
        assert article.sections.count() == 11
        assert Study.objects.filter(section__article=article).count() == 5
        assert article.rda_tables.get().rows.count() == 5
        assert [c.reference.url for c in article.citations.all()] == [
            "https://www.example.org/vitamin-d/deficiency-adults",
            "https://www.example.org/vitamin-d/falls",
            "https://www.example.org/vitamin-d/bone-density",
        ]
        assert [link.related for link in article.related_links.all()] == [calcium_article]
        assert list(article.disclaimers.all()) == list(Disclaimer.objects.defaults())
        assert result.counts == {
            "sections": 11,
            "studies": 5,
            "rda_rows": 5,
            "references": 3,
            "related_links": 1,
            "pending_related": 1,
            "disclaimers": 2,
        }

    def test_related_titles_not_on_the_site_are_warned_about(self, calcium_article):
        result = run_import(draft_of("vitamin-d-bone-health.txt"))
        assert any("A Guide to Sunlight and Skin Health" in w for w in result.warnings)

    def test_related_titles_match_whatever_their_case(self):
        vitamin_c = ArticleFactory(title="Vitamin C and Colds: Separating Fact From Fiction")
        result = run_import(draft_of("zinc-immune-function.md"))
        assert result.related == [vitamin_c]

    def test_references_in_the_library_are_reused_by_normalised_address(self):
        known = ReferenceFactory(
            title="Zinc colds meta-analysis (library title)",
            url="https://WWW.example.org/zinc/cold-meta-analysis/",
        )
        result = run_import(draft_of("zinc-immune-function.md"))
        assert [reused for _reference, reused in result.references] == [True, False]
        article = result.article
        assert article.citations.first().reference == known
        assert Reference.objects.count() == 2
        study = Study.objects.get(section__article=article, authors="Hemilä et al.")
        assert study.reference == known

    def test_markup_in_the_text_stays_text(self):
        text = "# Safe\n\nA standfirst.\n\n## Body\n\n[Click](javascript:alert(1)) <b>x</b>\n"
        body = run_import(importer.parse(text)).article.sections.get().body
        assert body == "<p>[Click](javascript:alert(1)) &lt;b&gt;x&lt;/b&gt;</p>"

    def test_body_html_goes_through_the_sanitiser(self):
        draft = importer.parse("# Safe\n\nA standfirst.\n\n## Body\n\nText.\n")
        draft.sections[0].blocks = ['<p onclick="x()">Hi<script>bad()</script></p>']
        assert run_import(draft).article.sections.get().body == "<p>Hi</p>"

    def test_with_no_disclaimer_in_the_text_the_standard_ones_are_attached(self):
        result = run_import(importer.parse("# Iron\n\nA standfirst.\n"))
        assert list(result.article.disclaimers.all()) == list(Disclaimer.objects.defaults())
        assert any("standard ones" in w for w in result.warnings)

    def test_an_import_keeps_a_version_in_the_history(self):
        result = run_import(draft_of("zinc-immune-function.md"), source_name="zinc.md")
        (version,) = Version.objects.get_for_object(result.article)
        assert version.revision.comment == "Imported from zinc.md."

    def test_a_problem_saves_nothing_and_names_the_place(self):
        before = counts()
        text = (
            "# Future\n\nA standfirst.\n\n## Results\n\n"
            "> **Clinical Insight:** It worked. (Kim et al., 2150) — *Nutrients*\n"
        )
        with pytest.raises(importer.ArticleImportError, match=r"Study \(Kim et al., 2150\)"):
            run_import(importer.parse(text))
        assert counts() == before

    def test_overlapping_intake_rows_save_nothing(self):
        text = (
            "# Iron\n\nA standfirst.\n\n## Recommended intakes\n\n### Iron (mg)\n\n"
            "- Men aged 19-50: 8 mg/day\n- Men aged 31 and older: 8 mg/day\n"
        )
        before = counts()
        with pytest.raises(importer.ArticleImportError, match="Intake table “Iron”"):
            run_import(importer.parse(text))
        assert counts() == before

    def test_a_new_article_needs_a_category_there_is_no_default(self):
        CategoryFactory()
        with pytest.raises(importer.ArticleImportError, match="Choose the category"):
            imports.import_article(draft=importer.parse("# Iron\n\nA standfirst.\n"))
        assert not Article.objects.exists()

    def test_without_an_author_the_publisher_signs_it_not_a_person(self, settings):
        settings.PUBLISHER_NAME = "HSLHealing"
        ContributorFactory(name="Dr. Someone Else")
        result = run_import(importer.parse("# Iron\n\nA standfirst.\n"), author=None)
        article = Article.objects.get(pk=result.article.pk)
        assert article.author is None and article.signed_by_publisher
        assert article.byline == "HSLHealing"

    def test_a_dry_run_saves_nothing_but_reports_everything(self, calcium_article):
        before = counts()
        result = run_import(draft_of("vitamin-d-bone-health.txt"), dry_run=True)
        assert result.dry_run and result.counts["studies"] == 5
        assert counts() == before | {"Article": before["Article"]}
        assert not Article.objects.filter(slug=result.article.slug).exists()


class TestExistingSlug:
    @pytest.fixture
    def existing(self):
        article = ArticleFactory(
            title="Zinc and Immune Function",
            slug="zinc-and-immune-function",
            status=Article.Status.PUBLISHED,
        )
        SectionFactory(article=article, heading="Old section")
        return article

    def test_is_never_overwritten_without_a_choice(self, existing):
        before = counts()
        with pytest.raises(imports.ArticleExists) as raised:
            run_import(draft_of("zinc-immune-function.md"))
        assert raised.value.article == existing
        assert counts() == before
        assert existing.sections.get().heading == "Old section"

    def test_update_keeps_id_address_creation_and_status_and_replaces_the_rest(self, existing):
        created_at, category, author = existing.created_at, existing.category, existing.author
        result = imports.import_article(
            draft=draft_of("zinc-immune-function.md"), on_existing="update"
        )
        article = Article.objects.get(pk=existing.pk)
        assert not result.created and result.article.pk == existing.pk
        assert (article.slug, article.created_at, article.status) == (
            "zinc-and-immune-function",
            created_at,
            Article.Status.PUBLISHED,
        )
        assert (article.category, article.author) == (category, author)
        assert "Old section" not in article.sections.values_list("heading", flat=True)
        assert article.sections.count() == 5
        assert Article.objects.filter(title="Zinc and Immune Function").count() == 1

    def test_update_keeps_the_earlier_versions_and_adds_one(self, existing):
        with reversion.create_revision():
            existing.save()
            reversion.set_comment("Written by hand.")
        imports.import_article(draft=draft_of("zinc-immune-function.md"), on_existing="update")
        versions = Version.objects.get_for_object(existing)
        assert [version.revision.comment for version in versions] == [
            "Imported from text.",
            "Written by hand.",
        ]
        old_sections = versions[1].revision.version_set.filter(content_type__model="section")
        assert [version.field_dict["heading"] for version in old_sections] == ["Old section"]

    def test_new_gets_a_numbered_address(self, existing):
        result = run_import(draft_of("zinc-immune-function.md"), on_existing="new")
        assert result.created and result.article.slug == "zinc-and-immune-function-2"
        assert existing.sections.get().heading == "Old section"


class TestPublishing:
    def test_publish_needs_a_recorded_medical_review(self):
        before = counts()
        with pytest.raises(importer.ArticleImportError, match="no recorded medical review"):
            run_import(draft_of("zinc-immune-function.md"), publish=True)
        assert counts() == before

    def test_publish_updates_a_reviewed_article_and_puts_it_live(self):
        reviewer = ContributorFactory()
        existing = ArticleFactory(
            title="Zinc and Immune Function",
            slug="zinc-and-immune-function",
            status=Article.Status.DRAFT,
            publish_at=None,
            medical_reviewer=reviewer,
            reviewed_on="2025-01-10",
        )
        imports.import_article(
            draft=draft_of("zinc-immune-function.md"), on_existing="update", publish=True
        )
        existing.refresh_from_db()
        assert existing.is_live


class TestPendingRelatedTitles:
    TEXT = (
        "# Iron Basics\n\nA standfirst.\n\n## You May Also Like\n\n"
        "- Copper Basics\n- A Title Not Yet Written\n"
    )

    def test_a_title_not_on_the_site_is_kept_in_its_place_and_exported(self):
        copper = ArticleFactory(title="Copper Basics")
        result = run_import(importer.parse(self.TEXT))
        article = result.article
        assert [link.related for link in article.related_links.all()] == [copper]
        assert list(article.pending_related.values_list("title", "position")) == [
            ("A Title Not Yet Written", 2)
        ]
        closing = article_markdown(article).split("## You May Also Like\n\n")[1]
        assert closing.startswith("- Copper Basics\n- A Title Not Yet Written\n")

    def test_it_is_linked_once_an_article_with_that_title_is_published(self, publisher):
        result = run_import(importer.parse(self.TEXT))
        later = ArticleFactory(
            title="a title not yet written",
            status=Article.Status.DRAFT,
            medical_reviewer=ContributorFactory(),
            reviewed_on=datetime.date(2025, 1, 2),
        )
        assert result.article.pending_related.exists()
        workflow.publish_article(article=later, user=publisher)
        assert [link.related for link in result.article.related_links.all()] == [later]
        assert result.article.related_links.get().position == 2
        assert list(result.article.pending_related.values_list("title", flat=True)) == [
            "Copper Basics"
        ]
