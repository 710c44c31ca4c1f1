"""
What a reader does on the demo article in a real browser: jump through the table of contents,
follow a citation number to its reference, and read the page on a phone and on a desktop.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    # Restore the rows migrations create (groups, disclaimers) after other tests' flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTICLE_URL = "/articles/magnesium-glycinate-nerve-conduction/"

#: Lists the first elements wider than the page, so a failure says what overflows.
MEASURE_WIDTH = """() => {
    const root = document.documentElement;
    const describe = (el) => {
        const classes = typeof el.className === "string" && el.className.trim()
            ? "." + el.className.trim().split(/\\s+/).join(".") : "";
        const id = el.id ? "#" + el.id : "";
        const right = Math.round(el.getBoundingClientRect().right);
        return `${el.tagName.toLowerCase()}${id}${classes} (right edge ${right}px)`;
    };
    const wide = [...document.body.querySelectorAll("*")]
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5);
    return {
        scrollWidth: root.scrollWidth,
        viewportWidth: root.clientWidth,
        overflowing: wide.slice(0, 10).map(describe),
    };
}"""


def test_table_of_contents_link_scrolls_to_its_section(page, demo):
    page.goto(ARTICLE_URL)
    heading = page.get_by_role("heading", name="Dosage and Safety Considerations", exact=True)
    expect(heading).not_to_be_in_viewport()

    contents = page.get_by_role("navigation", name="In this article")
    link = contents.get_by_role("link", name="Dosage and Safety Considerations", exact=True)
    target = link.get_attribute("href")
    assert target.startswith("#"), f"a table-of-contents link should point into the page: {target}"
    link.click()

    expect(page).to_have_url(re.compile(f"{re.escape(ARTICLE_URL)}{re.escape(target)}$"))
    expect(page.locator(target)).to_have_text("Dosage and Safety Considerations")
    expect(heading).to_be_in_viewport()


def test_citation_number_leads_to_its_reference(page, demo):
    page.goto(ARTICLE_URL)
    callout = page.get_by_role("complementary", name="Research Findings")
    expect(callout).to_contain_text("Barbagallo & Dominguez")
    citation = callout.locator('a[href^="#ref-"]')
    expect(citation).to_have_count(1)
    assert citation.get_attribute("href") == "#ref-1"

    citation.click()

    expect(page).to_have_url(re.compile("#ref-1$"))
    reference = page.locator("li#ref-1")
    expect(reference).to_contain_text("Magnesium and aging")
    expect(reference).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target')?.id") == "ref-1"


@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_article_fits_the_screen_without_sideways_scrolling(page, demo, artifacts, width):
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 800})
    page.goto(ARTICLE_URL)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=artifacts / f"article-{width}.png", full_page=True)

    measured = page.evaluate(MEASURE_WIDTH)
    assert measured["scrollWidth"] <= measured["viewportWidth"], (
        f"At {width}px the page is {measured['scrollWidth']}px wide, so readers must scroll "
        f"sideways. Wider than the screen: {', '.join(measured['overflowing']) or 'unknown'}"
    )


def test_printed_article_keeps_the_text_and_drops_the_navigation(page, demo, artifacts):
    page.goto(ARTICLE_URL)
    page.emulate_media(media="print")
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator(".site-search")).to_be_hidden()
    expect(page.locator("nav.toc")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#references")).to_be_visible()
    expect(page.locator(".disclaimers")).to_be_visible()
    page.pdf(path=artifacts / "article-print.pdf")
