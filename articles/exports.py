"""
Staff exports of article lists: CSV, XLSX and JSON, for the admin and `manage.py export_articles`;
and the references articles cite, for a reference manager (`references_response`).

One row generator, `export_rows()`, feeds every format. It reads the articles with
`QuerySet.iterator(chunk_size=...)` (a server-side cursor on PostgreSQL) and, for each chunk,
fetches the tags in one query. The counts come from `Article.objects.for_export()`, one
subquery per count, and the word count is stored on the article (kept up to date by signals),
so nothing is queried per row and memory stays the size of one chunk however many articles
there are.

CSV and JSON are written row by row into a `StreamingHttpResponse` (or a file); XLSX goes
through openpyxl's write-only mode into a temporary file that is then sent with `FileResponse`.

Spreadsheet safety: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
prefixed with a single quote in CSV and XLSX, so a title such as `=HYPERLINK(...)` is shown as
text instead of running as a formula. CSV starts with a UTF-8 byte order mark so spreadsheets
read accents correctly; JSON is UTF-8 with the characters themselves, not `\\u` escapes.
"""

import csv
import json
import tempfile
from collections import defaultdict
from itertools import islice
from typing import NamedTuple

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from references import formats as reference_formats

from .models import Article, Citation

#: Articles read, and tag and word-count queries run, per chunk.
CHUNK_SIZE = 2000
#: Size of the pieces a streamed CSV or JSON response is sent in.
BLOCK_SIZE = 64 * 1024


class Column(NamedTuple):
    key: str  # the JSON key
    label: str  # the CSV and XLSX heading
    kind: str  # how each format writes the value: text, int, bool, date, datetime, list, status


COLUMNS = (
    Column("id", _("ID"), "int"),
    Column("title", _("Title"), "text"),
    Column("slug", _("Slug"), "text"),
    Column("status", _("Status"), "status"),
    Column("category", _("Category"), "text"),
    Column("tags", _("Tags"), "list"),
    Column("author", _("Author"), "text"),
    Column("reviewer", _("Medical reviewer"), "text"),
    Column("reviewed_on", _("Reviewed on"), "date"),
    Column("published_at", _("Published at"), "datetime"),
    Column("updated_at", _("Updated at"), "datetime"),
    Column("public_url", _("Public URL"), "text"),
    Column("word_count", _("Word count"), "int"),
    Column("sections", _("Sections"), "int"),
    Column("studies", _("Studies"), "int"),
    Column("references", _("References"), "int"),
    Column("related_articles", _("Related articles"), "int"),
    Column("due_for_review", _("Due for review"), "bool"),
    Column("review_out_of_date", _("Review out of date"), "bool"),
    Column("broken_references", _("Broken references"), "int"),
    Column("figures", _("Figures"), "int"),
    Column("linked_figures", _("Figures linked to a reference"), "int"),
    Column("unlinked_figures", _("Unlinked figures"), "int"),
    Column("source_disagreements", _("Figures disagreeing with their reference"), "int"),
    Column("retracted_sources", _("Retracted sources cited"), "int"),
)


class Format(NamedTuple):
    extension: str
    content_type: str
    label: str


FORMATS = {
    "csv": Format("csv", "text/csv; charset=utf-8", "CSV"),
    "xlsx": Format(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"
    ),
    "json": Format("json", "application/json; charset=utf-8", "JSON"),
}

#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_FIELDS = (
    "id",
    "title",
    "slug",
    "status",
    "word_count",
    "category__name",
    "author__name",
    "author__credentials",
    "medical_reviewer__name",
    "medical_reviewer__credentials",
    "reviewed_on",
    "publish_at",
    "updated_at",
    "section_count",
    "study_count",
    "reference_count",
    "related_count",
    "broken_reference_count",
    "review_due",
    "review_out_of_date",
    "figure_count",
    "linked_figure_count",
    "unlinked_figure_count",
    "disagreement_count",
    "retracted_source_count",
)


def articles_for_export(queryset):
    """The articles of `queryset` (a filtered changelist, a selection), annotated, in its order.

    The annotations go on a fresh queryset restricted to the same rows rather than on top of
    `queryset`, which may carry aggregates (the changelist's reference count) that would turn
    every subquery into a GROUP BY.
    """
    articles = Article.objects.for_export().filter(pk__in=queryset.values("pk"))
    if queryset.query.order_by:
        articles = articles.order_by(*queryset.query.order_by)
    return articles


def export_rows(articles, *, site_url, chunk_size=CHUNK_SIZE):
    """Yield one dict per article of `articles` (an `Article.objects.for_export()` queryset).

    Keys are the `COLUMNS` keys; values are plain Python (str, int, bool, date, aware
    datetime, None, and a list of names for the tags). `site_url` ("https://example.com")
    makes the public URL absolute.
    """
    public_url = _public_url_builder(site_url)
    rows = articles.values_list(*_FIELDS).iterator(chunk_size=chunk_size)
    for chunk in _chunks(rows, chunk_size):
        tags = _tags_by_article([row[0] for row in chunk])
        for (
            pk,
            title,
            slug,
            status,
            word_count,
            category,
            author,
            author_credentials,
            reviewer,
            reviewer_credentials,
            reviewed_on,
            publish_at,
            updated_at,
            section_count,
            study_count,
            reference_count,
            related_count,
            broken_reference_count,
            review_due,
            review_out_of_date,
            figure_count,
            linked_figure_count,
            unlinked_figure_count,
            disagreement_count,
            retracted_source_count,
        ) in chunk:
            yield {
                "id": pk,
                "title": title,
                "slug": slug,
                "status": status,
                "category": category,
                "tags": tags.get(pk, []),
                # Who signs it, as readers see it: the publisher when no person is named.
                "author": _person(author, author_credentials) or settings.PUBLISHER_NAME,
                "reviewer": _person(reviewer, reviewer_credentials),
                "reviewed_on": reviewed_on,
                "published_at": publish_at,
                "updated_at": updated_at,
                "public_url": public_url(slug),
                "word_count": word_count,
                "sections": section_count,
                "studies": study_count,
                "references": reference_count,
                "related_articles": related_count,
                "due_for_review": bool(review_due),
                "review_out_of_date": review_out_of_date,
                "broken_references": broken_reference_count,
                "figures": figure_count,
                "linked_figures": linked_figure_count,
                "unlinked_figures": unlinked_figure_count,
                "source_disagreements": disagreement_count,
                "retracted_sources": retracted_source_count,
            }


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _tags_by_article(ids):
    tags = defaultdict(list)
    taggings = (
        Article.tags.through.objects.filter(article_id__in=ids)
        .order_by("tag__name")
        .values_list("article_id", "tag__name")
    )
    for article_id, name in taggings:
        tags[article_id].append(name)
    return tags


def _person(name, credentials):
    """A contributor as readers see them (`Contributor.__str__`): "Ana Ruiz, RDN"."""
    if name is None:
        return None
    return f"{name}, {credentials}" if credentials else name


def _public_url_builder(site_url):
    """A function slug -> absolute article URL, reversing the URL pattern once, not per row."""
    placeholder = "article-slug-placeholder"
    before, _, after = reverse("articles:detail", kwargs={"slug": placeholder}).rpartition(
        placeholder
    )
    site_url = site_url.rstrip("/")
    return lambda slug: f"{site_url}{before}{slug}{after}"


# Writers ----------------------------------------------------------------------------------


def neutralise(text):
    """`text` made safe for a spreadsheet cell: a would-be formula gets a leading quote."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_pieces(rows):
    """Yield the CSV file as strings, row by row: a byte order mark, a heading, the rows."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([str(column.label) for column in COLUMNS])
    converters = _converters(_csv_value)
    for row in rows:
        yield writer.writerow([convert(row[key]) for key, convert in converters])


def json_pieces(rows):
    """Yield a JSON array of objects (keys as in `COLUMNS`), one article per line.

    Values keep their types: numbers, true/false, null, a list of tag names, the status code
    ("published"), dates and times in ISO 8601 with their UTC offset.
    """
    converters = _converters(_json_value)
    separator = "[\n"
    for row in rows:
        yield separator
        yield json.dumps(
            {key: convert(row[key]) for key, convert in converters}, ensure_ascii=False
        )
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def write_xlsx(rows, fileobj):
    """Write an XLSX workbook to `fileobj` (a path or a seekable binary file).

    openpyxl's write-only mode keeps each row in a temporary file of its own, not in memory.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Articles"))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    converters = _converters(_xlsx_value)
    for row in rows:
        sheet.append([convert(row[key]) for key, convert in converters])
    workbook.save(fileobj)


def write_export(file_format, rows, fileobj):
    """Write `rows` in `file_format` ("csv", "xlsx", "json") to a binary file."""
    if file_format == "xlsx":
        write_xlsx(rows, fileobj)
        return
    for block in in_blocks(PIECES[file_format](rows)):
        fileobj.write(block.encode())


def in_blocks(pieces, size=BLOCK_SIZE):
    """Join small strings into blocks of about `size` characters, for fewer, larger writes."""
    block, length = [], 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)


def export_response(request, queryset, file_format):
    """The HTTP response exporting the articles of `queryset` (kept in its order)."""
    spec = FORMATS[file_format]
    rows = export_rows(
        articles_for_export(queryset), site_url=request.build_absolute_uri("/").rstrip("/")
    )
    filename = f"articles-{timezone.localtime():%Y-%m-%d-%H%M}.{spec.extension}"
    if file_format == "xlsx":
        # FileResponse closes the file once sent, and the system deletes it then.
        spreadsheet = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            write_xlsx(rows, spreadsheet)
        except BaseException:
            spreadsheet.close()
            raise
        spreadsheet.seek(0)
        return FileResponse(
            spreadsheet, as_attachment=True, filename=filename, content_type=spec.content_type
        )
    response = StreamingHttpResponse(
        in_blocks(PIECES[file_format](rows)), content_type=spec.content_type
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


PIECES = {"csv": csv_pieces, "json": json_pieces}


class _Echo:
    """A file-like object whose write() returns the line, so csv.writer hands lines back."""

    def write(self, value):
        return value


def _converters(value_for_kind):
    """(key, function) pairs turning a row's values into one format's cells, column by column."""
    return [(column.key, value_for_kind(column.kind)) for column in COLUMNS]


def _csv_value(kind):
    if kind == "text":
        return lambda value: "" if value is None else neutralise(value)
    if kind == "list":
        return lambda value: neutralise(", ".join(value))
    if kind == "status":
        return _status_labels()
    if kind == "bool":
        yes, no = gettext("yes"), gettext("no")
        return lambda value: yes if value else no
    if kind == "date":
        return lambda value: "" if value is None else value.isoformat()
    if kind == "datetime":
        zone = timezone.get_current_timezone()
        return lambda value: (
            "" if value is None else value.astimezone(zone).isoformat("T", "seconds")
        )
    return lambda value: value


def _xlsx_value(kind):
    if kind == "text":
        return lambda value: None if value is None else _xlsx_text(value)
    if kind == "list":
        return lambda value: _xlsx_text(", ".join(value)) if value else None
    if kind == "status":
        return _status_labels()
    if kind == "datetime":
        # Excel has no time zones: the local time, as editors see it in the admin.
        zone = timezone.get_current_timezone()
        return lambda value: None if value is None else value.astimezone(zone).replace(tzinfo=None)
    return lambda value: value


def _xlsx_text(text):
    # Control characters other than tab, newline and carriage return cannot be stored in XLSX.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


def _status_labels():
    """A function status -> its label, the labels translated once per export."""
    return {value: str(label) for value, label in Article.Status.choices}.get


def _json_value(kind):
    if kind == "date":
        return lambda value: None if value is None else value.isoformat()
    if kind == "datetime":
        zone = timezone.get_current_timezone()
        return lambda value: (
            None if value is None else value.astimezone(zone).isoformat("T", "seconds")
        )
    return lambda value: value


# The references articles cite ---------------------------------------------------------------
#
# An article list has one row per article, so its exports count references (and broken and
# retracted ones) but do not list them: a column holding a whole reference list would be one
# unreadable cell per article. The references themselves are exported here, in the formats
# reference managers read (written by references/formats.py) or as the numbered list readers
# see, in NLM/Vancouver style.

#: {format: label}: the reference managers' formats, and the list as text.
REFERENCE_EXPORT_FORMATS = {**reference_formats.FORMATS, "nlm": "NLM/Vancouver text"}


class CitingArticle(NamedTuple):
    pk: int
    title: str
    slug: str


def citations_by_article(articles):
    """[(article, [its references, in the order of its reference list])] for `articles` (a
    queryset, as the changelist filtered and sorted it), in their order; two queries whatever
    the number of articles."""
    articles = [CitingArticle(*row) for row in articles.values_list("pk", "title", "slug")]
    cited = defaultdict(list)
    citations = Citation.objects.filter(article__in=[article.pk for article in articles])
    for citation in citations.select_related("reference").order_by("position", "pk"):
        cited[citation.article_id].append(citation.reference)
    return [(article, cited[article.pk]) for article in articles]


def nlm_text(cited):
    """The reference lists of `cited` (see `citations_by_article`) as plain text: each
    article's title, then its references numbered as on its page, in NLM/Vancouver style."""
    blocks = []
    for article, references in cited:
        if not references:
            continue
        lines = [f"{number}. {ref.citation_text()}" for number, ref in enumerate(references, 1)]
        blocks.append("\n".join([article.title, "", *lines]))
    return "\n\n".join(blocks) + "\n"


def references_response(articles, file_format):
    """The references `articles` cite, as a download in `file_format` (one of
    `REFERENCE_EXPORT_FORMATS`), or None when they cite none. For a reference manager each
    reference is written once, in the order the articles first cite it."""
    cited = citations_by_article(articles)
    references = list({ref.pk: ref for _article, refs in cited for ref in refs}.values())
    if not references:
        return None
    if file_format == "nlm":
        body, content_type, extension = nlm_text(cited), "text/plain", "txt"
    else:
        body = reference_formats.write(references, file_format)
        content_type = reference_formats.CONTENT_TYPES[file_format]
        extension = reference_formats.EXTENSIONS[file_format]
    name = cited[0][0].slug if len(cited) == 1 else "articles"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"references-{name}.{extension}"
    )
    return response
