"""`manage.py import_article`: the same import from the command line."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command, execute_from_command_line
from reversion.models import Version

from articles.models import Article, Category, Contributor, Section, Study
from references.models import Reference
from tests.factories import ArticleFactory, CategoryFactory, ContributorFactory, SectionFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).parent / "samples"
ZINC = str(SAMPLES / "zinc-immune-function.md")
VITAMIN_D = str(SAMPLES / "vitamin-d-bone-health.txt")


@pytest.fixture
def people():
    return {"category": CategoryFactory(slug="minerals"), "author": ContributorFactory()}


def run(*args, **options):
    """Run the command; the category is "minerals" unless the test says otherwise."""
    options.setdefault("category", "minerals")
    options = {key: value for key, value in options.items() if value is not None}
    out = io.StringIO()
    call_command("import_article", *args, stdout=out, **options)
    return out.getvalue()


def counts():
    return [model.objects.count() for model in (Article, Section, Study, Reference)]


def test_imports_a_draft_and_says_what_it_recognised(people):
    output = run(VITAMIN_D)
    article = Article.objects.get(slug="vitamin-d-and-bone-health-a-practical-guide")
    assert article.status == Article.Status.DRAFT
    assert article.category == people["category"]
    assert article.author is None and article.byline == "HSLHealing"
    assert (
        "Read “Vitamin D and Bone Health: A Practical Guide” (plain text): 11 sections, "
        "5 studies, 5 RDA rows, 3 references, 0 related links, 2 related titles pending, "
        "2 disclaimers." in output
    )
    assert "Warning: “A Guide to Sunlight and Skin Health” (You May Also Like)" in output
    assert "Imported as a draft: “Vitamin D and Bone Health: A Practical Guide”" in output


def test_dry_run_saves_nothing(people):
    before = counts()
    output = run(VITAMIN_D, dry_run=True)
    assert counts() == before
    assert "5 studies" in output and output.rstrip().endswith("Dry run: nothing was saved.")


def test_category_author_and_title_can_be_given(people):
    other = CategoryFactory(slug="immunity")
    writer = ContributorFactory(slug="dana-writer")
    run(ZINC, category="immunity", author="dana-writer", title="Zinc Explained")
    article = Article.objects.get(slug="zinc-explained")
    assert (article.category, article.author) == (other, writer)


def test_an_unknown_category_is_one_clear_error(people):
    with pytest.raises(CommandError, match="There is no category with the slug “nope”"):
        run(ZINC, category="nope")


def test_without_categories_or_people_it_says_so():
    Category.objects.all().delete()
    Contributor.objects.all().delete()
    with pytest.raises(CommandError, match="There is no category yet"):
        run(ZINC, category=None)


class TestExistingSlug:
    @pytest.fixture
    def existing(self, people):
        article = ArticleFactory(title="Zinc and Immune Function", slug="zinc-and-immune-function")
        SectionFactory(article=article, heading="Old section")
        return article

    def test_stops_without_update_or_new(self, existing):
        before = counts()
        with pytest.raises(CommandError, match=r"run again with --update .* or --new"):
            run(ZINC)
        assert counts() == before

    def test_exits_non_zero_with_one_line(self, existing, capsys):
        with pytest.raises(SystemExit) as exit_info:
            execute_from_command_line(["manage.py", "import_article", ZINC])
        assert exit_info.value.code == 1
        error = capsys.readouterr().err.strip()
        assert error.startswith(
            "CommandError: Already on the site: “Zinc and Immune Function” (at "
            "“zinc-and-immune-function”) has the same address and title."
        )
        assert "\n" not in error

    def test_update_keeps_the_article(self, existing):
        output = run(ZINC, update=True)
        existing.refresh_from_db()
        assert Article.objects.filter(title="Zinc and Immune Function").count() == 1
        assert "What Zinc Does" in existing.sections.values_list("heading", flat=True)
        assert "Updated: “Zinc and Immune Function”" in output

    def test_new_makes_another_article(self, existing):
        run(ZINC, new=True)
        assert Article.objects.filter(slug="zinc-and-immune-function-2").exists()

    def test_update_and_new_cannot_be_combined(self, existing):
        with pytest.raises(CommandError, match="not allowed with argument"):
            call_command("import_article", ZINC, "--update", "--new")


def test_publish_needs_a_recorded_review(people, publisher):
    before = counts()
    with pytest.raises(CommandError, match="no recorded medical review"):
        run(ZINC, publish=True, user=publisher.username)
    assert counts() == before


def test_publish_and_reviewer_need_the_account_doing_it(people):
    with pytest.raises(CommandError, match="need --user NAME"):
        run(ZINC, publish=True)


def test_reviewer_needs_an_account_with_the_review_permission(people, publisher):
    ContributorFactory(slug="dr-reviewer")
    before = counts()
    with pytest.raises(CommandError, match="Only a medical reviewer can record"):
        run(ZINC, reviewer="dr-reviewer", user=publisher.username)
    assert counts() == before


def test_reviewer_makes_publish_usable_and_the_history_names_the_account(people, publisher):
    publisher.groups.add(Group.objects.get(name="Medical reviewers"))
    doctor = ContributorFactory(slug="dr-reviewer")
    output = run(
        ZINC,
        reviewer="dr-reviewer",
        reviewed_on="2025-02-03",
        publish=True,
        user=publisher.username,
    )
    article = Article.objects.get(slug="zinc-and-immune-function")
    assert article.is_live and article.medical_reviewer == doctor
    assert article.reviewed_on.isoformat() == "2025-02-03"
    assert Version.objects.get_for_object(article).first().revision.user == publisher
    assert "Published: “Zinc and Immune Function”" in output


def test_a_dry_run_on_a_taken_address_reports_what_an_update_would_change(people):
    article = ArticleFactory(title="Zinc and Immune Function", slug="zinc-and-immune-function")
    SectionFactory(article=article, heading="Old section")
    before = counts()
    output = run(ZINC, dry_run=True)
    assert counts() == before
    assert "An update of “zinc-and-immune-function” would change: sections 1 → " in output
    assert output.rstrip().endswith("Dry run: nothing was saved.")


def test_without_a_category_it_names_a_suggestion_and_saves_nothing(people):
    CategoryFactory(name="Immune health", slug="immune-health")
    with pytest.raises(CommandError, match="suggested from its words: immune-health"):
        run(ZINC, category=None)
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not a text file"),
        (b"x" * (2 * 1024 * 1024 + 1), "files of up to 2 MB can be imported"),
        ((SAMPLES / "no-title.txt").read_bytes(), "No title found"),
    ],
)
def test_bad_files_are_one_clear_error(people, tmp_path, content, message):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(path))


def test_a_missing_file(people, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.txt: No such file"):
        run(str(tmp_path / "missing.txt"))


def test_a_file_without_a_title_line_takes_one_from_the_command(people):
    run(str(SAMPLES / "no-title.txt"), title="Iron and Tiredness")
    assert Article.objects.get(slug="iron-and-tiredness").standfirst.startswith("Iron carries")
