"""
`manage.py export_articles`: the staff article export (as in the admin) for scheduled jobs.

    manage.py export_articles --format csv --status published --since 2025-01-01 -o week.csv

Writes to standard output unless --output is given; a file is written beside its final name and
renamed when complete, so nothing ever reads half an export. Progress goes to standard error,
and only when that is a terminal. Bad arguments stop it with one line and exit status 1.
"""

import io
import os
import shutil
import sys
import tempfile
from datetime import datetime, time
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from articles.exports import FORMATS, export_rows, write_export
from articles.models import Article
from references.management.base import Command as ProjectCommand

PROGRESS_EVERY = 1000


class Command(ProjectCommand):
    help = (
        "Export articles with their counts, review and link health, in CSV, XLSX or JSON "
        "(the same columns as the admin's export). Public URLs start with HSL_SITE_URL."
    )

    def add_arguments(self, parser):
        # Checked in handle(), not by argparse, so a mistake is reported in one line.
        parser.add_argument(
            "--format", dest="file_format", metavar="FORMAT", help="csv, xlsx or json."
        )
        parser.add_argument(
            "--status",
            action="extend",
            nargs="+",
            default=[],
            metavar="STATUS",
            help=f"Only articles with these statuses ({', '.join(Article.Status.values)}).",
        )
        parser.add_argument(
            "--since",
            metavar="DATE",
            help="Only articles changed on or after this date (YYYY-MM-DD, site time zone).",
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, file_format, status, since, output, **options):
        file_format = self._check_format(file_format)
        statuses = self._check_statuses(status)
        since = self._check_since(since)
        stdout = options.get("stdout") or sys.stdout
        target = self._open_output(Path(output)) if output else None
        if target is None:
            self._check_stdout(stdout, file_format)

        articles = Article.objects.for_export().order_by("pk")
        if statuses:
            articles = articles.filter(status__in=statuses)
        if since:
            start = timezone.make_aware(datetime.combine(since, time.min))
            articles = articles.filter(updated_at__gte=start)
        rows = export_rows(articles, site_url=settings.SITE_URL)
        if options["verbosity"] > 0 and self.stderr.isatty():
            rows = self._with_progress(rows, articles.count())

        if target is not None:
            self._write_file(file_format, rows, target, Path(output))
        else:
            self._write_stdout(file_format, rows, stdout)

    def _check_format(self, file_format):
        choices = f"{', '.join(list(FORMATS)[:-1])} or {list(FORMATS)[-1]}"
        if not file_format:
            raise CommandError(f"Give a format: --format {choices}.")
        if file_format.lower() not in FORMATS:
            raise CommandError(f"Unknown format {file_format!r}: choose {choices}.")
        return file_format.lower()

    def _check_statuses(self, statuses):
        for status in statuses:
            if status not in Article.Status.values:
                raise CommandError(
                    f"Unknown status {status!r}: choose from {', '.join(Article.Status.values)}."
                )
        return statuses

    def _check_since(self, since):
        if since is None:
            return None
        try:
            day = parse_date(since)
        except ValueError:
            day = None
        if day is None:
            raise CommandError(f"--since needs a date such as 2025-01-31 (got {since!r}).")
        return day

    def _open_output(self, path):
        """A temporary file beside `path`, created now so an unwritable path fails at once."""
        if path.is_dir():
            raise CommandError(f"Cannot write {path}: it is a directory.")
        if path.exists() and not os.access(path, os.W_OK):
            raise CommandError(f"Cannot write {path}: permission denied.")
        try:
            return tempfile.NamedTemporaryFile(
                dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
            )
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from error

    def _check_stdout(self, stdout, file_format):
        if file_format != "xlsx":
            return
        binary = getattr(stdout, "buffer", None)
        if binary is None or stdout.isatty():
            raise CommandError("XLSX is binary: give --output FILE or redirect standard output.")

    def _write_file(self, file_format, rows, target, path):
        try:
            with target:
                write_export(file_format, rows, target)
            # NamedTemporaryFile is private (0600); give the export the usual permissions.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(target.name, 0o666 & ~umask)
            os.replace(target.name, path)
        except BaseException:
            Path(target.name).unlink(missing_ok=True)
            raise

    def _write_stdout(self, file_format, rows, stdout):
        binary = getattr(stdout, "buffer", None)
        if binary is None:  # a text stream, such as call_command(stdout=StringIO())
            write_export(file_format, rows, _Decoding(stdout))
            return
        stdout.flush()
        if file_format == "xlsx":
            # A zip archive needs a seekable file; standard output may be a pipe.
            with tempfile.TemporaryFile() as spreadsheet:
                write_export(file_format, rows, spreadsheet)
                spreadsheet.seek(0)
                shutil.copyfileobj(spreadsheet, binary)
        else:
            write_export(file_format, rows, binary)
        binary.flush()

    def _with_progress(self, rows, total):
        done = 0
        for done, row in enumerate(rows, start=1):
            if done % PROGRESS_EVERY == 0:
                self._progress(f"\rExported {done:,} of {total:,} articles")
            yield row
        self._progress(f"\rExported {done:,} of {total:,} articles\n")

    def _progress(self, text):
        self.stderr.write(text, style_func=lambda text: text, ending="")
        self.stderr.flush()


class _Decoding(io.RawIOBase):
    """A binary file writing into a text stream (the CSV and JSON writers encode whole blocks)."""

    def __init__(self, stream):
        self._stream = stream

    def writable(self):
        return True

    def write(self, data):
        self._stream.write(bytes(data).decode())
        return len(data)
