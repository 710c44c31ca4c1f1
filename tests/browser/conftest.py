"""
Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Browsers cannot be downloaded here, so the tests launch Debian's `/usr/bin/chromium`. Without
it every browser test skips and says why, unless `HSL_REQUIRE_BROWSER=1` (CI sets it), where a
missing browser fails them instead. Screenshots, including one of the page where a failed test
stopped, go to `tests/browser/artifacts/` (ignored by git).
"""

import os
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from playwright.sync_api import sync_playwright

from articles.demo import load_demo
from tests.browser.chromium import ARTIFACTS, AXE, CHROMIUM, CHROMIUM_ARGS, cannot_run
from tests.data_migrations import make_data_migration_rows

# Playwright's sync API runs an asyncio event loop in the test thread; without this Django
# refuses the ORM calls that fixtures and tests make ("cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session; each test gets a fresh context and page."""
    if not CHROMIUM.exists():
        cannot_run(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's script, installed from npm by `make install` (tests/browser/package.json)."""
    if not AXE.exists():
        cannot_run(f"axe-core is not installed ({AXE} is missing): `make install` needs npm")
    return AXE


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def new_page(request, browser, live_server, artifacts):
    """Open pages whose relative URLs go to the live server, each in a fresh browser context.

    Options go to `Browser.new_context`. When the test fails, a full-page screenshot of each
    page, where the test stopped, is saved as an artefact.
    """
    pages = []

    def open_page(**options):
        context = browser.new_context(base_url=live_server.url, **{"viewport": DESKTOP, **options})
        context.set_default_timeout(15_000)
        pages.append(context.new_page())
        return pages[-1]

    yield open_page
    report = getattr(request.node, "report_call", None)
    for number, page in enumerate(pages, start=1):
        if report is not None and report.failed:
            name = re.sub(r"[^\w.-]+", "-", request.node.name)
            page.screenshot(path=artifacts / f"failed-{name}-{number}.png", full_page=True)
        page.context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280 px wide) on the live server."""
    return new_page()


@pytest.fixture(scope="session")
def migrated_apps(django_db_setup, django_db_blocker):
    """The app registry as the migrations see it, to run their data functions again."""
    with django_db_blocker.unblock():
        return MigrationExecutor(connection).loader.project_state().apps


@pytest.fixture(autouse=True)
def rows_from_data_migrations(transactional_db, migrated_apps):
    """The rows data migrations make (the standard disclaimers, the role groups), made again
    as the migrations make them, where missing.

    Each transactional test empties every table when it ends. pytest-django's serialized
    rollback restores them for the next test when the browser tests run alone, but not after
    the rest of the suite (the groups were missing); so they are made here, whatever ran before.
    """
    make_data_migration_rows(migrated_apps)


@pytest.fixture
def demo(transactional_db):
    """The demo content: the magnesium article and the two articles it links to."""
    load_demo()
