"""
The editors' desk in Chromium: the dashboard, the article page with its sections collapsed to one
line each, the outline, a save that leaves out untouched sections, and the width of the pages.

Widths are checked at 1,280 and 1,024 px (`scrollWidth <= innerWidth`); screenshots go to
tests/browser/artifacts/. Page height and load time are printed as figures, not asserted.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.demo import MAIN_SLUG
from articles.models import Article

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def signed_in(new_page, django_user_model):
    django_user_model.objects.create_superuser("sue", "sue@example.com", PASSWORD)

    def open_at(width):
        page = new_page(viewport={"width": width, "height": 800})
        page.goto(reverse("admin:login"))
        page.get_by_label("Username").fill("sue")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        return page

    return open_at


def demo_article():
    return Article.objects.get(slug=MAIN_SLUG)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_demo_article_opens_collapsed_with_an_outline_and_saves(signed_in, demo, artifacts):
    page = signed_in(1280)
    page.goto(reverse("admin:articles_article_change", args=[demo_article().pk]))
    toggles = page.locator(".desk-section-toggle")
    expect(toggles.first).to_be_visible()
    assert toggles.count() == demo_article().sections.count()
    assert page.locator(".desk-section-toggle[aria-expanded='true']").count() == 0
    height = page.evaluate("document.documentElement.scrollHeight")
    server_ms, load_ms = page.evaluate(
        "(([n]) => [n.responseStart - n.requestStart, n.loadEventEnd - n.startTime])"
        "(performance.getEntriesByType('navigation'))"
    )
    print(
        f"demo change page at 1280 px, sections collapsed: {height} px tall; "
        f"server {server_ms:.0f} ms (request to first byte), browser load {load_ms:.0f} ms"
    )
    page.screenshot(path=artifacts / "desk-change-collapsed-1280.png", full_page=True)

    page.locator(".desk-outline a").nth(1).click()
    expect(page.locator(".desk-section-toggle").nth(1)).to_have_attribute("aria-expanded", "true")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert page.locator(".errornote").count() == 0


#: The changelist columns an editor must see without scrolling the list sideways.
KEY_COLUMNS = ["title", "status", "medical_reviewer", "publish_at", "updated_at"]


def columns_out_of_view(page):
    """The key changelist columns whose header ends beyond the visible part of the list."""
    return page.evaluate(
        """(names) => {
            const box = document.querySelector('#changelist-form .results').getBoundingClientRect();
            const edge = Math.min(box.right, innerWidth) + 1;
            return names.filter((name) => {
                const th = document.querySelector(`#result_list thead th.column-${name}`);
                const rect = th ? th.getBoundingClientRect() : null;
                return !rect || rect.width === 0 || rect.right > edge;
            });
        }""",
        KEY_COLUMNS,
    )


@pytest.mark.parametrize("width", [1280, 1024])
def test_desk_pages_fit_the_window(signed_in, demo, artifacts, width):
    page = signed_in(width)
    urls = {
        "index": reverse("admin:index"),
        "change": reverse("admin:articles_article_change", args=[demo_article().pk]),
        "add": reverse("admin:articles_article_add"),
        "changelist": reverse("admin:articles_article_changelist"),
        "import": reverse("admin:articles_article_import"),
    }
    too_wide = []
    for name, url in urls.items():
        page.goto(url)
        page.screenshot(path=artifacts / f"desk-{name}-{width}.png", full_page=True)
        if not fits(page):
            too_wide.append(
                (name, page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))
            )
        if name == "changelist":
            assert columns_out_of_view(page) == []
    assert too_wide == []


def test_a_refused_save_says_where_and_opens_the_section(signed_in, demo, artifacts):
    """A wrong effect figure in a folded section: the list above the form names the section,
    study and field; the section opens by itself; everything else is as it was."""
    page = signed_in(1280)
    page.goto(reverse("admin:articles_article_change", args=[demo_article().pk]))
    third = page.locator("#sections-2")
    third.locator(".desk-section-toggle").click()
    third.locator("#id_sections-2-studies-0-effect_figure").fill("999%")
    page.get_by_role("button", name="Save and continue editing").click()

    summary = page.locator(".desk-error-summary")
    expect(summary).to_contain_text("Section 3 “Statistics on Nerve-Related Disorders”, study 1")
    expect(summary).to_contain_text("effect figure — The effect figure should appear")
    page.screenshot(path=artifacts / "desk-refused-save-1280.png")
    expect(third.locator(".desk-section-toggle")).to_have_attribute("aria-expanded", "true")
    assert page.locator(".desk-section-toggle[aria-expanded='true']").count() == 1
    assert demo_article().sections.count() == page.locator(".desk-section-toggle").count()

    third.locator(".desk-section-toggle").click()
    summary.get_by_role("link").click()
    expect(page.locator("#id_sections-2-studies-0-effect_figure")).to_be_focused()
    expect(page.locator("#id_sections-2-studies-0-effect_figure")).to_have_value("999%")


#: A text in the publisher's layout with an intake table, long reference addresses and a
#: disclaimer worded its own way: the widest preview the samples give.
IMPORT_SAMPLE = (
    Path(__file__).resolve().parent.parent
    / "articles"
    / "samples"
    / "fixture-iron-energy-and-fatigue.txt"
)


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_import_preview_fits_the_window(signed_in, demo, artifacts, width):
    page = signed_in(width)
    page.goto(reverse("admin:articles_article_import"))
    page.locator("#id_file").set_input_files(IMPORT_SAMPLE)
    page.locator("#id_category").select_option(index=1)
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="What was recognised")).to_be_visible()
    expect(page.locator(".import-preview table").first).to_be_visible()
    page.screenshot(path=artifacts / f"desk-import-preview-{width}.png", full_page=True)
    assert fits(page), page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
