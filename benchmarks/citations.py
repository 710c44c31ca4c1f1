"""
Benchmark of writing references out in NLM/Vancouver style (citeproc-py, `references/
vancouver.py`): the time to format a reference list of 30, as an article page does, one
`citation_parts()` call per reference, the style already parsed (it is parsed once per process):
first with every reference new to the process (citeproc-py at work), then again (the formatted
text is kept per process, keyed by the reference's CSL-JSON).

    .venv/bin/python benchmarks/citations.py          # or: make bench

No database: the references are unsaved records (journal articles with six authors and every
identifier, and web pages with a cited date). Prints the milliseconds per reference, new and
again (median of 10 runs of the list), and the one-off cost of reading the style. Exit status 1
above 30 ms per new reference (a 30-reference list under a second on a busy machine) or 0.5 ms
per reference formatted before.
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hslhealing.settings")

import django  # noqa: E402

django.setup()

from references import vancouver  # noqa: E402
from references.models import Reference, ReferenceType  # noqa: E402

BUDGET_NEW_MS = 30.0
BUDGET_AGAIN_MS = 0.5


def references(count, run=0):
    result = []
    for number in range(count):
        if number % 3 == 2:
            result.append(
                Reference(
                    title=f"Test record: web page {number}, run {run}",
                    url=f"https://example.org/page-{number}",
                    site="example.org",
                    retrieved_on=datetime.date(2025, 1, 8),
                )
            )
            continue
        result.append(
            Reference(
                reference_type=ReferenceType.JOURNAL_ARTICLE,
                title=f"Test record: a trial of magnesium, number {number}, run {run}",
                authors=[{"family": f"Author{n}", "given": "AB"} for n in range(6)],
                container_title="Test journal of medicine",
                container_title_short="Test J Med",
                issued_year=2020,
                issued_month=3,
                volume="4",
                issue="1",
                pages="10-19",
                doi=f"10.5555/test.{number}",
                pmid=str(90000000 + number),
                pmcid=f"PMC{90000000 + number}",
                url=f"https://doi.org/10.5555/test.{number}",
            )
        )
    return result


def main():
    start = time.perf_counter()
    vancouver.style()
    style_ms = (time.perf_counter() - start) * 1000
    new, again = [], []
    for run in range(10):
        page = references(30, run)
        for times in (new, again):
            start = time.perf_counter()
            for reference in page:
                reference.citation_parts()
            times.append((time.perf_counter() - start) * 1000 / len(page))
    new_ms, again_ms = statistics.median(new), statistics.median(again)
    print(f"style read once: {style_ms:.1f} ms")
    print(f"30 new references: {new_ms:.2f} ms per reference, {new_ms * 30:.0f} ms a list")
    print(f"30 formatted before: {again_ms:.3f} ms per reference, {again_ms * 30:.1f} ms a list")
    return 1 if new_ms > BUDGET_NEW_MS or again_ms > BUDGET_AGAIN_MS else 0


if __name__ == "__main__":
    sys.exit(main())
