"""`manage.py export_articles`: the staff export for scheduled jobs, and what bad input gets."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from articles.models import Article
from tests.commands import run_manage
from tests.factories import ArticleFactory, CitationFactory, ReferenceFactory

pytestmark = pytest.mark.django_db


def export(*args, stdout=None, stderr=None):
    stdout = stdout if stdout is not None else io.StringIO()
    call_command("export_articles", *args, stdout=stdout, stderr=stderr or io.StringIO())
    return stdout


def updated_on(article, day):
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    Article.objects.filter(pk=article.pk).update(updated_at=moment)


class TestFormats:
    def test_csv_to_standard_output(self):
        article = ArticleFactory(title="Zinc and colds", slug="zinc-and-colds")
        CitationFactory(article=article, reference=ReferenceFactory(link_status="unreachable"))
        content = export("--format", "csv").getvalue()
        assert content.startswith("\ufeff")
        heading, row = csv.reader(io.StringIO(content.lstrip("\ufeff")))
        values = dict(zip(heading, row, strict=True))
        assert values["Title"] == "Zinc and colds"
        assert values["References"] == "1"
        assert values["Broken references"] == "1"

    def test_public_urls_start_with_the_site_url_setting(self, settings):
        settings.SITE_URL = "https://www.hslhealing.com"
        ArticleFactory(slug="zinc-and-colds")
        (row,) = json.loads(export("--format", "json").getvalue())
        assert row["public_url"] == "https://www.hslhealing.com/articles/zinc-and-colds/"

    def test_json_to_a_file(self, tmp_path):
        articles = ArticleFactory.create_batch(3)
        output = tmp_path / "articles.json"
        assert export("--format", "json", "--output", str(output)).getvalue() == ""
        rows = json.loads(output.read_text(encoding="utf-8"))
        assert [row["id"] for row in rows] == [article.pk for article in articles]
        assert list(tmp_path.iterdir()) == [output], "no temporary file is left behind"

    def test_xlsx_to_a_file_reopens(self, tmp_path):
        ArticleFactory(title="Magnésium et sommeil")
        output = tmp_path / "articles.xlsx"
        export("--format", "xlsx", "-o", str(output))
        rows = list(load_workbook(output, read_only=True).active.iter_rows(values_only=True))
        assert len(rows) == 2
        assert rows[1][1] == "Magnésium et sommeil"

    def test_an_existing_file_is_replaced(self, tmp_path):
        ArticleFactory()
        output = tmp_path / "articles.csv"
        output.write_text("old export")
        export("--format", "csv", "-o", str(output))
        assert output.read_bytes().startswith(b"\xef\xbb\xbfID,Title")

    def test_format_is_case_insensitive(self):
        ArticleFactory()
        assert export("--format", "JSON").getvalue().startswith("[")


class TestSelection:
    def test_only_the_given_statuses(self):
        published = ArticleFactory()
        draft = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        ArticleFactory(status=Article.Status.ARCHIVED)
        rows = json.loads(export("--format", "json", "--status", "published", "draft").getvalue())
        assert sorted(row["id"] for row in rows) == sorted([published.pk, draft.pk])

    def test_status_can_be_repeated(self):
        ArticleFactory()
        ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        ArticleFactory(status=Article.Status.ARCHIVED)
        args = ["--format", "json", "--status", "draft", "--status", "archived"]
        rows = json.loads(export(*args).getvalue())
        assert sorted(row["status"] for row in rows) == ["archived", "draft"]

    def test_since_keeps_articles_changed_on_or_after_the_date(self):
        old, same_day, later = ArticleFactory.create_batch(3)
        updated_on(old, datetime.date(2025, 5, 31))
        updated_on(same_day, datetime.date(2025, 6, 1))
        updated_on(later, datetime.date(2025, 7, 1))
        rows = json.loads(export("--format", "json", "--since", "2025-06-01").getvalue())
        assert [row["id"] for row in rows] == [same_day.pk, later.pk]


class TestProgress:
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    def test_no_progress_when_standard_error_is_not_a_terminal(self):
        ArticleFactory()
        stderr = io.StringIO()
        export("--format", "csv", stderr=stderr)
        assert stderr.getvalue() == ""

    def test_progress_on_a_terminal(self, tmp_path):
        ArticleFactory.create_batch(3)
        stderr = self.Terminal()
        export("--format", "csv", "-o", str(tmp_path / "a.csv"), stderr=stderr)
        assert stderr.getvalue().endswith("Exported 3 of 3 articles\n")


class TestBadArguments:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--format", "pdf"], "Unknown format 'pdf': choose csv, xlsx or json."),
            ([], "Give a format: --format csv, xlsx or json."),
            (
                ["--format", "csv", "--status", "live"],
                "Unknown status 'live': choose from draft, in_review, published, archived.",
            ),
            (
                ["--format", "csv", "--since", "31/01/2025"],
                "--since needs a date such as 2025-01-31 (got '31/01/2025').",
            ),
            (
                ["--format", "csv", "--since", "2025-02-30"],
                "--since needs a date such as 2025-01-31 (got '2025-02-30').",
            ),
            (
                ["--format", "csv", "--output", "/no/such/folder/articles.csv"],
                "Cannot write /no/such/folder/articles.csv: No such file or directory.",
            ),
        ],
    )
    def test_refused_with_a_clear_message(self, args, message):
        with pytest.raises(CommandError) as error:
            export(*args)
        assert str(error.value) == message

    def test_a_folder_is_not_an_output_file(self, tmp_path):
        with pytest.raises(CommandError, match=r"Cannot write .*: it is a directory\."):
            export("--format", "csv", "--output", str(tmp_path))

    def test_xlsx_needs_a_binary_output(self):
        with pytest.raises(CommandError, match="XLSX is binary"):
            export("--format", "xlsx")

    @pytest.mark.subprocess
    @pytest.mark.parametrize(
        ("arguments", "status", "message"),
        [
            (
                ["--format", "pdf"],
                1,
                "CommandError: Unknown format 'pdf': choose csv, xlsx or json.",
            ),
            (
                ["--format", "csv", "--bogus"],
                2,
                "export_articles: unrecognized arguments: --bogus (see export_articles --help)",
            ),
            (
                ["--format"],
                2,
                "export_articles: argument --format: expected one argument "
                "(see export_articles --help)",
            ),
        ],
    )
    def test_from_the_shell_one_line_and_a_failure_status(self, arguments, status, message):
        result = run_manage("export_articles", *arguments)
        assert result.returncode == status
        assert result.stdout == ""
        assert result.stderr.splitlines() == [message]
