"""
`manage.py check_references`: check where each reference's link leads, and record it.

Run it from cron, e.g. nightly ``manage.py check_references --stale-days 7``. Addresses inside
our own network are refused, never fetched (references/outbound.py; `HSL_OUTBOUND_ALLOWED_HOSTS`
names exceptions), and each link has an overall `--deadline`. Progress goes to
stderr, one line per reference; the summary to stdout. Ctrl-C stops it cleanly: nothing new
starts, the results already in are kept, the summary is printed and the exit code is 130.
"""

import argparse
from collections import Counter

from references.linkcheck import LinkChecker, check_references
from references.management.base import Command as ProjectCommand
from references.models import LinkStatus, Reference


def _at_least(minimum, kind):
    def parse(value):
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return number

    return parse


class Command(ProjectCommand):
    help = (
        "Check the link of every reference (or of those not checked lately) and record its "
        "status: ok, redirected, broken or unreachable."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-days",
            type=_at_least(0, int),
            metavar="N",
            help="Only check references not checked in the last N days (and those never checked).",
        )
        parser.add_argument(
            "--concurrency",
            type=_at_least(1, int),
            default=8,
            metavar="N",
            help="Checks running at once (default 8).",
        )
        parser.add_argument(
            "--per-host",
            type=_at_least(1, int),
            default=2,
            metavar="N",
            help="Checks running at once on one site (default 2).",
        )
        parser.add_argument(
            "--timeout",
            type=_at_least(0.1, float),
            default=10.0,
            metavar="S",
            help="Seconds to wait for a site to connect or answer (default 10).",
        )
        parser.add_argument(
            "--deadline",
            type=_at_least(0.1, float),
            default=30.0,
            metavar="S",
            help=(
                "Seconds one link may take in all: retries, redirects, waits and a server that "
                "answers slowly (default 30)."
            ),
        )
        parser.add_argument(
            "--retries",
            type=_at_least(0, int),
            default=2,
            metavar="N",
            help="Retries after a connection error, a timeout, 5xx or 429 (default 2).",
        )

    def handle(self, *args, **options):
        references = list(Reference.objects.due_for_check(options["stale_days"]))
        total = len(references)
        counts = Counter()
        show_progress = options["verbosity"] > 0

        def progress(reference, result):
            counts[result.link_status] += 1
            if show_progress:
                done = sum(counts.values())
                self.stderr.write(
                    f"[{done}/{total}] {result.describe()}: {reference.url}",
                    style_func=str,
                )

        checker = LinkChecker(
            timeout=options["timeout"], retries=options["retries"], deadline=options["deadline"]
        )
        try:
            check_references(
                references,
                checker=checker,
                concurrency=options["concurrency"],
                per_host=options["per_host"],
                on_checked=progress,
            )
        except KeyboardInterrupt:
            self.stdout.write(self.style.WARNING(f"Interrupted. {self.summary(counts, total)}"))
            raise SystemExit(130) from None
        style = self.style.WARNING if counts.keys() - {LinkStatus.OK} else self.style.SUCCESS
        self.stdout.write(style(self.summary(counts, total)))

    def summary(self, counts, total):
        checked = sum(counts.values())
        tally = ", ".join(
            f"{counts[status]} {label.lower()}"
            for status, label in LinkStatus.choices
            if status != LinkStatus.UNCHECKED
        )
        return f"Checked {checked} of {total} references: {tally}."
