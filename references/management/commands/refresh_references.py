"""
`manage.py refresh_references [--missing-only] [--overwrite]`: look every reference with a PMID,
PMC ID or DOI up again in PubMed, PubMed Central and Crossref, in batches within their rate
limits; fill details that are empty and re-check retractions and corrections.

Progress goes to stderr (one updating line on a terminal), one line per failure to stderr, the
one-line summary to stdout. The exit code is 1 when any lookup failed, so cron reports it.
"""

import argparse

from references.management.base import Command as ProjectCommand
from references.models import NoticeStatus, Reference
from references.refresh import refresh


def batch_size(value):
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= number <= 200:
        raise argparse.ArgumentTypeError("must be 1 to 200 (NCBI's esummary limit per request)")
    return number


class Command(ProjectCommand):
    help = (
        "Look references up by PMID, PMC ID or DOI (PubMed, PubMed Central, Crossref): fill "
        "their details and re-check retractions and corrections."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="Only references without bibliographic details yet.",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace details editors typed with the record's (default: fill empty ones).",
        )
        parser.add_argument(
            "--batch-size",
            type=batch_size,
            default=200,
            metavar="N",
            help="PMIDs per esummary request (default and most 200).",
        )

    def handle(self, *args, **options):
        on_terminal = options["verbosity"] > 0 and self.stderr.isatty()

        def progress(done, total):
            if on_terminal:
                self.stderr.write(f"\rLooking up {done}/{total}", ending="", style_func=str)

        try:
            result = refresh(
                Reference.objects.order_by("pk"),
                missing_only=options["missing_only"],
                overwrite=options["overwrite"],
                batch_size=options["batch_size"],
                on_progress=progress,
            )
        except KeyboardInterrupt:
            self.stderr.write("\nInterrupted; references already looked up are kept.")
            raise SystemExit(130) from None
        if on_terminal:
            self.stderr.write("", style_func=str)
        for reference, message in result.failures:
            self.stderr.write(f"Failed: {reference} (#{reference.pk}): {message}", style_func=str)
        counts = result.counts
        summary = (
            f"Looked up {counts['looked up']} references: {counts['filled']} filled, "
            f"{counts[NoticeStatus.RETRACTED]} retracted, "
            f"{counts[NoticeStatus.CONCERN]} with an expression of concern, "
            f"{counts[NoticeStatus.CORRECTED]} corrected, {len(result.failures)} failed; "
            f"{counts['skipped']} skipped."
        )
        if result.failures:
            self.stdout.write(self.style.WARNING(summary))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(summary))
