"""
Lighthouse on the reader pages: Accessibility, Best Practices and SEO score 100 each.

Lighthouse comes from npm (`tests/browser/package.json`, installed by `make install`) and drives
Debian's Chromium (`CHROME_PATH`), with its default mobile settings. Its reports (HTML and JSON)
are kept as artefacts in `tests/browser/artifacts/`. Performance depends on the machine, so it is
measured by `make bench` (benchmarks/lighthouse.py), not asserted here.
"""

import json
import os
import subprocess

import pytest

from tests.browser.chromium import BROWSER_DIR, CHROMIUM, CHROMIUM_ARGS, cannot_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIGHTHOUSE = BROWSER_DIR / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["accessibility", "best-practices", "seo"]

READER_PAGES = {
    "home": "/",
    "article-list": "/articles/",
    "search": "/search/?q=magnesium",
    "article": "/articles/magnesium-glycinate-nerve-conduction/",
    "contributor": "/contributors/amelia-hart/",
    "editorial-policy": "/editorial-policy/",
}


def run_lighthouse(url, report_base, categories):
    """Run Lighthouse on `url`; the parsed JSON report. `report_base` names the artefacts."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        f"--only-categories={','.join(categories)}",
        "--output=json",
        "--output=html",
        f"--output-path={report_base}",
        f"--chrome-flags={' '.join(['--headless=new', *CHROMIUM_ARGS])}",
    ]
    environment = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    # Now and then Lighthouse loses the page load's trace and gives up ("NO_NAVSTART", "Please
    # run Lighthouse again"): so it is run again, once.
    for _attempt in range(2):
        finished = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=180, check=False
        )
        if finished.returncode == 0:
            break
    assert finished.returncode == 0, f"Lighthouse failed on {url}: {finished.stderr[-2000:]}"
    return json.loads(report_base.with_name(report_base.name + ".report.json").read_text())


def failing_audits(report, category):
    """The ids of the audits that cost `category` points."""
    return {
        reference["id"]
        for reference in report["categories"][category]["auditRefs"]
        if reference["weight"]
        and report["audits"][reference["id"]]["score"] is not None
        and report["audits"][reference["id"]]["score"] < 1
    }


def shortfalls(report):
    """Each audit that costs a category points: category, audit, title, what it found."""
    lines = []
    for name, category in report["categories"].items():
        for reference in category["auditRefs"]:
            audit = report["audits"][reference["id"]]
            if reference["weight"] and audit["score"] is not None and audit["score"] < 1:
                found = audit.get("displayValue") or ""
                lines.append(f"- {name}: {audit['id']} ({audit['title']}) {found}".rstrip())
    return "\n".join(lines)


@pytest.fixture(scope="module")
def lighthouse():
    if not CHROMIUM.exists():
        cannot_run(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    if not LIGHTHOUSE.exists():
        cannot_run(f"Lighthouse is not installed ({LIGHTHOUSE} is missing): `make install`")
    return run_lighthouse


@pytest.mark.parametrize("path", READER_PAGES.values(), ids=READER_PAGES.keys())
def test_reader_page_scores_100_in_accessibility_best_practices_and_seo(
    lighthouse, live_server, demo, artifacts, request, path
):
    name = request.node.callspec.id
    report = lighthouse(live_server.url + path, artifacts / f"lighthouse-{name}", CATEGORIES)
    scores = {name: category["score"] for name, category in report["categories"].items()}
    failing = {category: failing_audits(report, category) for category in CATEGORIES}
    assert failing == {category: set() for category in CATEGORIES}, (
        f"Lighthouse {report['lighthouseVersion']} scores {path} {scores}:\n{shortfalls(report)}"
    )
