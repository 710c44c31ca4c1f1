"""
The reader's page on a phone: the table of contents folds, a wide intake table scrolls in its
own box and says so, nothing scrolls sideways at 320 px, and the byline leads to the people
behind the article. Screenshots of each width go to the artefacts folder.
"""

import pytest
from playwright.sync_api import expect

from articles.models import Article, RDARow
from tests.factories import RDARowFactory, RDATableFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTICLE_URL = "/articles/magnesium-glycinate-nerve-conduction/"
PHONE = {"width": 320, "height": 700}
Stage = RDARow.LifeStage

#: How wide the page is against the screen, ignoring what scrolls inside its own box.
PAGE_WIDTH = """() => {
    const root = document.documentElement;
    const wide = [...document.body.querySelectorAll("*")]
        .filter((el) => !el.closest(".table-scroll"))
        .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
        .slice(0, 5).map((el) => el.tagName.toLowerCase() + "." + el.className);
    return {scrollWidth: root.scrollWidth, viewportWidth: root.clientWidth, wide};
}"""


def full_nih_table():
    """The demo article gets a table with every column NIH draws (Male to Lactation)."""
    article = Article.objects.get(slug="magnesium-glycinate-nerve-conduction")
    table = RDATableFactory(article=article, nutrient="Magnesium, all life stages", position=9)
    RDARowFactory(
        table=table,
        life_stage=Stage.INFANTS,
        age_from=0,
        age_to=6,
        age_unit=RDARow.AgeUnit.MONTHS,
        amount=30,
        intake_type=RDARow.IntakeType.ADEQUATE_INTAKE,
    )
    for stage, amount in [
        (Stage.MEN, 400),
        (Stage.WOMEN, 310),
        (Stage.PREGNANCY, 350),
        (Stage.LACTATION, 310),
    ]:
        RDARowFactory(table=table, life_stage=stage, age_from=19, age_to=30, amount=amount)
    return table


def test_contents_are_folded_on_a_phone_and_open_on_a_desktop(new_page, demo, artifacts):
    phone = new_page(viewport={"width": 390, "height": 844})
    phone.goto(ARTICLE_URL)
    contents = phone.get_by_role("navigation", name="In this article")
    link = contents.get_by_role("link", name="Dosage and Safety Considerations", exact=True)
    expect(link).to_be_hidden()
    phone.screenshot(path=artifacts / "contents-folded-390.png")
    contents.get_by_text("In this article").click()
    expect(link).to_be_visible()

    desktop = new_page()
    desktop.goto(ARTICLE_URL)
    desktop_contents = desktop.get_by_role("navigation", name="In this article")
    expect(desktop_contents.get_by_role("link", name="References", exact=True)).to_be_visible()


def test_a_wide_intake_table_scrolls_in_its_own_box_with_a_hint(new_page, demo, artifacts):
    table = full_nih_table()
    page = new_page(viewport=PHONE)
    page.goto(ARTICLE_URL)
    box = page.get_by_role("region", name=f"Recommended intakes for {table.nutrient}")
    box.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "intake-table-320.png")
    assert box.evaluate("(el) => el.scrollWidth > el.clientWidth"), "expected a scrolling box"
    expect(page.locator(".rda-block", has=box).locator(".scroll-hint")).to_be_visible()
    measured = page.evaluate(PAGE_WIDTH)
    assert measured["scrollWidth"] <= measured["viewportWidth"], measured


def test_the_intake_grid_has_every_column_and_the_adequate_intake_note(page, demo):
    table = full_nih_table()
    page.goto(ARTICLE_URL)
    grid = page.get_by_role("table", name=f"Recommended intakes for {table.nutrient}")
    headers = grid.locator("thead th").all_inner_texts()
    assert headers == ["Age", "Male", "Female", "Pregnancy", "Lactation"]
    expect(grid.get_by_role("rowheader", name="Birth to 6 months")).to_be_visible()
    expect(page.locator(f"#rda-{table.pk}-notes")).to_contain_text("Adequate Intake (AI)")
    expect(page.locator(".scroll-hint").first).to_be_hidden()  # a desktop needs no hint


@pytest.mark.parametrize(
    "url",
    ["/", "/articles/", "/search/?q=magnesium", ARTICLE_URL, "/contributors/amelia-hart/"],
)
def test_nothing_scrolls_sideways_at_320_px(new_page, demo, url):
    full_nih_table()
    page = new_page(viewport=PHONE)
    page.goto(url)
    measured = page.evaluate(PAGE_WIDTH)
    assert measured["scrollWidth"] <= measured["viewportWidth"], (url, measured)


def test_byline_leads_to_the_reviewer_and_the_policy_is_linked(page, demo):
    page.goto(ARTICLE_URL)
    page.locator(".article-meta").get_by_role("link", name="Dr. Amelia Hart, MD").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr. Amelia Hart")
    reviewed = page.get_by_role("region", name="Articles medically reviewed by Dr. Amelia Hart")
    expect(reviewed.get_by_role("link", name="How Magnesium Glycinate Supports")).to_be_visible()
    page.get_by_role("link", name="our editorial policy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Editorial policy")
