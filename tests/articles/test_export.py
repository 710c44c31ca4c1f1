"""What staff get when they export article lists from the admin (issue #4)."""

import csv
import datetime
import io
import json

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from articles.exports import COLUMNS
from articles.models import Article, count_words, review_due_before
from references.models import LinkStatus
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ContributorFactory,
    ReferenceFactory,
    RelatedArticleFactory,
    SectionFactory,
    StudyFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST_URL = reverse("admin:articles_article_changelist")
FORMATS = ["csv", "xlsx", "json"]
HEADINGS = [
    "ID",
    "Title",
    "Slug",
    "Status",
    "Category",
    "Tags",
    "Author",
    "Medical reviewer",
    "Reviewed on",
    "Published at",
    "Updated at",
    "Public URL",
    "Word count",
    "Sections",
    "Studies",
    "References",
    "Related articles",
    "Due for review",
    "Review out of date",
    "Broken references",
    "Figures",
    "Figures linked to a reference",
    "Unlinked figures",
    "Figures disagreeing with their reference",
    "Retracted sources cited",
]


def export_url(file_format, query=""):
    return reverse("admin:articles_article_export", args=[file_format]) + query


@pytest.fixture
def exporter(django_user_model):
    """A member of the Staff exporters group, with nothing but that group's permissions."""
    user = django_user_model.objects.create_user("xavi", "xavi@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Staff exporters"))
    return user


@pytest.fixture
def exporter_client(client, exporter):
    client.force_login(exporter)
    return client


def content_of(response):
    assert response.status_code == 200, response
    # Reading to the end closes the response (and an XLSX's temporary file) as a server would.
    return b"".join(response.streaming_content)


def csv_rows(response):
    content = content_of(response)
    assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def json_rows(response):
    return json.loads(content_of(response).decode("utf-8"))


def xlsx_rows(response):
    workbook = load_workbook(io.BytesIO(content_of(response)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def exported_titles(response):
    return [row[1] for row in csv_rows(response)[1:]]


def action_names(response):
    action_form = response.context["action_form"]  # None when the user has no action at all
    return [name for name, _ in action_form.fields["action"].choices] if action_form else []


def export_selected(client, action, articles):
    return client.post(
        CHANGELIST_URL,
        {
            "action": action,
            "select_across": "0",
            "index": "0",
            "_selected_action": [article.pk for article in articles],
        },
    )


class TestPermission:
    @pytest.mark.parametrize("file_format", FORMATS)
    def test_editor_without_the_permission_is_refused(self, editor_client, file_format):
        ArticleFactory()
        assert editor_client.get(export_url(file_format)).status_code == 403

    def test_editor_sees_no_export_buttons_or_actions(self, editor_client):
        ArticleFactory()
        response = editor_client.get(CHANGELIST_URL)
        assert response.status_code == 200
        assert b"Export CSV" not in response.content
        assert b"/export/" not in response.content
        actions = action_names(response)
        assert not [name for name in actions if name.startswith("export_selected_")]

    def test_editor_cannot_run_the_export_action(self, editor_client):
        article = ArticleFactory()
        response = export_selected(editor_client, "export_selected_csv", [article])
        assert not isinstance(response, StreamingHttpResponse)
        assert response.status_code in {200, 302}

    def test_anonymous_visitor_is_sent_to_sign_in(self, client):
        response = client.get(export_url("csv"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]

    def test_staff_exporter_sees_the_buttons_and_actions(self, exporter_client):
        ArticleFactory()
        response = exporter_client.get(CHANGELIST_URL + "?status__exact=published&q=zinc")
        assert response.status_code == 200
        for file_format in FORMATS:
            link = export_url(file_format, "?q=zinc&amp;status__exact=published")
            assert link.encode() in response.content
        actions = action_names(response)
        assert {"export_selected_csv", "export_selected_xlsx", "export_selected_json"} <= set(
            actions
        )
        assert "delete_selected" not in actions

    @pytest.mark.parametrize("file_format", FORMATS)
    def test_staff_exporter_can_export(self, exporter_client, file_format):
        ArticleFactory()
        assert exporter_client.get(export_url(file_format)).status_code == 200

    def test_staff_exporter_can_do_nothing_else(self, exporter, exporter_client):
        article = ArticleFactory()
        assert exporter.has_perms(["articles.view_article", "articles.export_article"])
        for codename in ["add_article", "change_article", "delete_article"]:
            assert not exporter.has_perm(f"articles.{codename}")
        assert exporter_client.get(reverse("admin:articles_article_add")).status_code == 403
        delete_url = reverse("admin:articles_article_delete", args=[article.pk])
        assert exporter_client.get(delete_url).status_code == 403
        change_page = exporter_client.get(
            reverse("admin:articles_article_change", args=[article.pk])
        )
        assert b'name="_save"' not in change_page.content

    def test_superuser_can_export(self, admin_client):
        ArticleFactory()
        assert admin_client.get(export_url("csv")).status_code == 200

    def test_unknown_format_is_404(self, exporter_client):
        assert exporter_client.get(export_url("pdf")).status_code == 404


class TestWhatIsExported:
    def test_filters_and_search_are_those_of_the_changelist(self, exporter_client):
        # Search looks at the title, slug and standfirst.
        summary = "A short summary."
        ArticleFactory(title="Zinc lozenges and colds", slug="zinc-colds", standfirst=summary)
        ArticleFactory(
            title="Zinc in pregnancy",
            slug="zinc-pregnancy",
            standfirst=summary,
            status=Article.Status.DRAFT,
            publish_at=None,
        )
        ArticleFactory(title="Vitamin C and colds", slug="vitamin-c-colds", standfirst=summary)
        query = "?status__exact=published&q=zinc"
        on_screen = exporter_client.get(CHANGELIST_URL + query).context["cl"].result_list
        exported = exported_titles(exporter_client.get(export_url("csv", query)))
        assert exported == [article.title for article in on_screen]
        assert exported == ["Zinc lozenges and colds"]

    def test_the_changelist_order_is_kept(self, exporter_client):
        for title in ["Beta", "Gamma", "Alpha"]:
            ArticleFactory(title=title)
        # "o=1" sorts by the first column of list_display, the title.
        response = exporter_client.get(export_url("csv", "?o=1"))
        assert exported_titles(response) == ["Alpha", "Beta", "Gamma"]

    def test_the_changelist_order_is_the_export_order(self, exporter_client):
        ArticleFactory(title="Beta"), ArticleFactory(title="Alpha")
        # Column 1 of list_display is the title; counts are not offered as orders, since
        # ordering by one reads every article (see the changelist's `sortable_by`).
        response = exporter_client.get(export_url("csv", "?o=-1"))
        assert exported_titles(response) == ["Beta", "Alpha"]
        response = exporter_client.get(export_url("csv", "?o=1"))
        assert exported_titles(response) == ["Alpha", "Beta"]

    def test_bad_filter_sends_back_to_the_changelist(self, exporter_client):
        response = exporter_client.get(export_url("csv", "?no_such_field=1"))
        assert response.status_code == 302
        assert response["Location"] == CHANGELIST_URL + "?e=1"

    @pytest.mark.parametrize("file_format", FORMATS)
    def test_selected_rows_only(self, exporter_client, file_format):
        first, _, third = ArticleFactory.create_batch(3)
        response = export_selected(
            exporter_client, f"export_selected_{file_format}", [first, third]
        )
        if file_format == "csv":
            ids = [int(row[0]) for row in csv_rows(response)[1:]]
        elif file_format == "json":
            ids = [row["id"] for row in json_rows(response)]
        else:
            ids = [row[0] for row in xlsx_rows(response)[1:]]
        assert sorted(ids) == sorted([first.pk, third.pk])

    def test_due_for_review_filter(self, exporter_client):
        today = timezone.localdate()
        reviewer = ContributorFactory()
        ArticleFactory(title="Never reviewed")
        ArticleFactory(
            title="Reviewed long ago",
            medical_reviewer=reviewer,
            reviewed_on=review_due_before(today) - datetime.timedelta(days=1),
        )
        ArticleFactory(title="Reviewed lately", medical_reviewer=reviewer, reviewed_on=today)
        due = exporter_client.get(CHANGELIST_URL + "?due_for_review=yes&o=1")
        assert [a.title for a in due.context["cl"].result_list] == [
            "Never reviewed",
            "Reviewed long ago",
        ]
        recent = exporter_client.get(CHANGELIST_URL + "?due_for_review=no")
        assert [a.title for a in recent.context["cl"].result_list] == ["Reviewed lately"]
        response = exporter_client.get(export_url("csv", "?due_for_review=yes&o=1"))
        assert exported_titles(response) == ["Never reviewed", "Reviewed long ago"]

    def test_queries_do_not_grow_with_the_number_of_articles(self, exporter_client):
        def queries_for_export():
            with CaptureQueriesContext(connection) as queries:
                content_of(exporter_client.get(export_url("csv")))
            return len(queries)

        for _ in range(2):
            rich_article()
        few = queries_for_export()
        for _ in range(5):
            rich_article()
        assert queries_for_export() == few


def rich_article(**fields):
    article = ArticleFactory(**fields)
    section = SectionFactory(article=article)
    StudyFactory(section=section)
    CitationFactory(article=article)
    article.tags.add(TagFactory())
    return article


class TestColumnsAndValues:
    PUBLISHED = "?status__exact=published"

    @pytest.fixture
    def article(self, django_capture_on_commit_callbacks):
        # Committed, as a real save is: the word count is stored when the transaction commits.
        with django_capture_on_commit_callbacks(execute=True):
            return self.make_article()

    def make_article(self):
        reviewer = ContributorFactory(name="Amelia Hart", credentials="MD")
        article = ArticleFactory(
            title="Zinc and colds",
            slug="zinc-and-colds",
            standfirst="Four words stand first.",
            author=ContributorFactory(name="Ben Okafor"),
            medical_reviewer=reviewer,
            reviewed_on=review_due_before() - datetime.timedelta(days=1),
            publish_at=datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC),
        )
        article.tags.add(TagFactory(name="Zinc"), TagFactory(name="Immunity"))
        intro = SectionFactory(article=article, heading="", body="<p>One two</p><p>three.</p>")
        SectionFactory(article=article, heading="Two words", body="<ul><li>a</li><li>b</li></ul>")
        StudyFactory(section=intro, finding="Colds were 33% shorter.", effect_figure="33%")
        StudyFactory(section=intro, finding="Doses <5 mg did nothing.", effect_figure="")
        for link_status in [LinkStatus.OK, LinkStatus.BROKEN, LinkStatus.UNREACHABLE]:
            CitationFactory(article=article, reference=ReferenceFactory(link_status=link_status))
        # Other articles, as drafts, which the tests filter out: status__exact=published.
        draft = {"status": Article.Status.DRAFT, "publish_at": None}
        CitationFactory(
            article=ArticleFactory(**draft), reference=ReferenceFactory(link_status="broken")
        )
        RelatedArticleFactory(article=article, related=ArticleFactory(**draft))
        Article.objects.filter(pk=article.pk).update(
            updated_at=datetime.datetime(2025, 4, 2, 12, 0, tzinfo=datetime.UTC)
        )
        return article

    def test_json_values(self, exporter_client, article):
        rows = json_rows(exporter_client.get(export_url("json", self.PUBLISHED)))
        assert rows == [
            {
                "id": article.pk,
                "title": "Zinc and colds",
                "slug": "zinc-and-colds",
                "status": "published",
                "category": article.category.name,
                "tags": ["Immunity", "Zinc"],
                "author": "Ben Okafor",
                "reviewer": "Amelia Hart, MD",
                "reviewed_on": article.reviewed_on.isoformat(),
                "published_at": "2025-03-01T09:30:00+00:00",
                "updated_at": "2025-04-02T12:00:00+00:00",
                "public_url": "http://testserver/articles/zinc-and-colds/",
                # 4 (standfirst) + 3 (intro) + 2 + 2 (second section) + 4 + 5 (findings)
                "word_count": 20,
                "sections": 2,
                "studies": 2,
                "references": 3,
                "related_articles": 1,
                "due_for_review": True,
                "review_out_of_date": False,
                "broken_references": 2,
                "figures": 2,
                "linked_figures": 0,
                "unlinked_figures": 2,
                "source_disagreements": 0,
                "retracted_sources": 0,
            }
        ]
        assert list(rows[0]) == [column.key for column in COLUMNS]

    def test_csv_columns_and_values(self, exporter_client, article):
        heading, row = csv_rows(exporter_client.get(export_url("csv", self.PUBLISHED)))
        assert heading == HEADINGS
        values = dict(zip(heading, row, strict=True))
        assert values["Status"] == "Published"
        assert values["Tags"] == "Immunity, Zinc"
        assert values["Medical reviewer"] == "Amelia Hart, MD"
        assert values["Published at"] == "2025-03-01T09:30:00+00:00"
        assert values["Public URL"] == "http://testserver/articles/zinc-and-colds/"
        assert values["Word count"] == "20"
        assert values["Due for review"] == "yes"
        assert values["Broken references"] == "2"

    def test_xlsx_reopens_with_the_same_rows(self, exporter_client, article):
        ArticleFactory(title="Another")
        response = exporter_client.get(export_url("xlsx", self.PUBLISHED + "&o=1"))
        assert isinstance(response, FileResponse)
        assert response["Content-Disposition"].startswith('attachment; filename="articles-')
        heading, *rows = xlsx_rows(response)
        assert heading == HEADINGS
        assert [row[1] for row in rows] == ["Another", "Zinc and colds"]
        values = dict(zip(heading, rows[1], strict=True))
        assert values["ID"] == article.pk
        assert values["Medical reviewer"] == "Amelia Hart, MD"
        assert values["Published at"] == datetime.datetime(2025, 3, 1, 9, 30)
        assert values["Word count"] == 20
        assert values["Due for review"] is True
        assert values["Broken references"] == 2

    def test_article_without_review_or_content(self, exporter_client):
        ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        (row,) = json_rows(exporter_client.get(export_url("json")))
        assert row["reviewer"] is None
        assert row["reviewed_on"] is None
        assert row["published_at"] is None
        assert row["tags"] == []
        assert row["due_for_review"] is True
        assert (row["sections"], row["studies"], row["references"]) == (0, 0, 0)

    def test_csv_and_json_stream(self, exporter_client):
        ArticleFactory()
        for file_format in ["csv", "json"]:
            response = exporter_client.get(export_url(file_format))
            assert isinstance(response, StreamingHttpResponse)
            assert response["Content-Disposition"].endswith(f'.{file_format}"')
            content_of(response)

    def test_empty_list_exports_headings_only(self, exporter_client):
        assert csv_rows(exporter_client.get(export_url("csv"))) == [HEADINGS]
        assert json_rows(exporter_client.get(export_url("json"))) == []
        assert xlsx_rows(exporter_client.get(export_url("xlsx"))) == [HEADINGS]


class TestDueForReview:
    def test_a_review_exactly_at_the_limit_is_not_due(self):
        today = datetime.date(2026, 3, 31)
        assert review_due_before(today) == datetime.date(2024, 3, 31)

    def test_month_ends_are_clamped(self, settings):
        settings.REVIEW_DUE_MONTHS = 1
        assert review_due_before(datetime.date(2026, 3, 31)) == datetime.date(2026, 2, 28)

    def test_the_limit_is_a_setting(self, settings, exporter_client):
        settings.REVIEW_DUE_MONTHS = 6
        reviewer = ContributorFactory()
        ArticleFactory(
            medical_reviewer=reviewer,
            reviewed_on=timezone.localdate() - datetime.timedelta(days=250),
        )
        assert json_rows(exporter_client.get(export_url("json")))[0]["due_for_review"] is True
        settings.REVIEW_DUE_MONTHS = 24
        assert json_rows(exporter_client.get(export_url("json")))[0]["due_for_review"] is False


class TestSpreadsheetSafety:
    DANGEROUS = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]

    @pytest.mark.parametrize("dangerous", DANGEROUS)
    def test_formulas_are_neutralised_in_csv(self, exporter_client, dangerous):
        ArticleFactory(title=dangerous)
        (row,) = csv_rows(exporter_client.get(export_url("csv")))[1:]
        assert row[1] == "'" + dangerous

    @pytest.mark.parametrize("dangerous", DANGEROUS)
    def test_formulas_are_neutralised_in_xlsx(self, exporter_client, dangerous):
        ArticleFactory(title=dangerous)
        response = exporter_client.get(export_url("xlsx"))
        sheet = load_workbook(io.BytesIO(content_of(response))).active
        cell = sheet["B2"]
        assert cell.data_type == "s"
        # Python's own XML parser reads a carriage return back as a line feed; lxml (which
        # openpyxl uses when it is installed) keeps it.
        assert cell.value.replace("\r", "\n") == "'" + dangerous.replace("\r", "\n")

    def test_every_text_column_is_neutralised(self, exporter_client):
        article = ArticleFactory(
            author=ContributorFactory(name="=cmd|' /C calc'!A0"),
            category__name="+Category",
            category__slug="plus-category",
        )
        article.tags.add(TagFactory(name="@tag"))
        values = dict(
            zip(HEADINGS, csv_rows(exporter_client.get(export_url("csv")))[1], strict=True)
        )
        assert values["Author"] == "'=cmd|' /C calc'!A0"
        assert values["Category"] == "'+Category"
        assert values["Tags"] == "'@tag"

    def test_json_keeps_the_text_as_it_is(self, exporter_client):
        ArticleFactory(title="=1+1")
        assert json_rows(exporter_client.get(export_url("json")))[0]["title"] == "=1+1"

    def test_numbers_are_not_touched(self, exporter_client):
        ArticleFactory()
        row = csv_rows(exporter_client.get(export_url("csv")))[1]
        assert not row[0].startswith("'")


class TestUnicode:
    TITLE = "Vitamin B₁₂ — café, Ärzte, 維生素 😀"

    @pytest.fixture(autouse=True)
    def article(self):
        article = ArticleFactory(title=self.TITLE, author=ContributorFactory(name="Zoë Ångström"))
        article.tags.add(TagFactory(name="Nährstoffe"))

    def test_csv(self, exporter_client):
        row = csv_rows(exporter_client.get(export_url("csv")))[1]
        assert row[1] == self.TITLE
        assert row[5] == "Nährstoffe"
        assert row[6] == "Zoë Ångström"

    def test_json_is_utf8_without_escapes(self, exporter_client):
        response = exporter_client.get(export_url("json"))
        assert response["Content-Type"] == "application/json; charset=utf-8"
        content = content_of(response)
        assert self.TITLE.encode() in content
        assert b"\\u" not in content
        assert json.loads(content)[0]["author"] == "Zoë Ångström"

    def test_xlsx(self, exporter_client):
        row = xlsx_rows(exporter_client.get(export_url("xlsx")))[1]
        assert row[1] == self.TITLE
        assert row[6] == "Zoë Ångström"


class TestWordCount:
    def test_tags_separate_words(self):
        assert count_words("", "<p>one</p><p>two</p><ul><li>three</li></ul>") == 3

    def test_plain_text_keeps_angle_brackets(self):
        assert count_words("Doses <5 mg or >10 mg") == 6


def test_an_article_with_no_author_is_exported_as_signed_by_the_publisher(
    exporter_client, settings
):
    settings.PUBLISHER_NAME = "HSL Healing"
    ArticleFactory(title="Signed by the house", author=None)
    rows = json_rows(exporter_client.get(export_url("json")))
    assert [row["author"] for row in rows] == ["HSL Healing"]
