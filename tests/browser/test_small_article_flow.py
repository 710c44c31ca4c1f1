"""
The small article from an empty form to "published", through the three roles, counting what it
takes beyond the typed text.

The article: a section with a paragraph and a list, one study, an RDA table with two rows, one
citation. The editor writes it and submits it for review, a medical reviewer records the review,
a publisher publishes it. Every click, key press, choice in a drop-down and tick the three make
goes through `Interactions`, which counts it; typing text (Playwright's `fill` and
`keyboard.type`) does not count. Signing in does not count either (each person is signed in
already on a working day); opening the article does, from where each one starts: the admin's
index, with its dashboard. The count is printed, and must stay at most 25.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import CategoryFactory, ContributorFactory, ReferenceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"
TITLE = "Magnesium for Restless Legs"
MOST_INTERACTIONS = 25


class Interactions:
    """Clicks, key presses, choices and ticks, each counted and logged as it is made."""

    def __init__(self):
        self.log = []

    @property
    def count(self):
        return len(self.log)

    def click(self, locator, what):
        self.log.append(f"click {what}")
        locator.click()

    def press(self, page, key):
        self.log.append(f"press {key}")
        page.keyboard.press(key)

    def select(self, locator, what, **option):
        self.log.append(f"select {what}")
        locator.select_option(**option)

    def choose_in_autocomplete(self, page, field_name, search, option):
        """Open a select2 autocomplete (a click), type the search, pick the option (a click)."""
        combobox = page.locator(f"select[name='{field_name}'] + .select2").get_by_role("combobox")
        self.click(combobox, f"{field_name} list")
        page.locator(".select2-container--open").get_by_role("searchbox").fill(search)
        self.click(page.get_by_role("option", name=option, exact=True), option)
        expect(page.locator(f"#select2-id_{field_name}-container")).to_have_attribute(
            "title", option
        )


@pytest.fixture
def people(django_user_model):
    """One person in each role, each with a browser page signed in at the admin's index."""

    def person(username, group):
        user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return user

    return {
        "editor": person("edna", "Editors"),
        "reviewer": person("rita", "Medical reviewers"),
        "publisher": person("paul", "Publishers"),
    }


def signed_in(new_page, username):
    page = new_page()
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your desk")).to_be_visible()
    return page


def write_the_article(page, act):
    """The editor, from the index to "Submit for review"."""
    act.click(page.locator("#content-main a.addlink[href$='/articles/article/add/']"), "Add")
    expect(page.get_by_role("heading", name="Add article", level=1)).to_be_visible()
    page.get_by_label(re.compile("^Title")).fill(TITLE)
    page.get_by_label(re.compile("^Standfirst")).fill("What trials say about magnesium at night.")
    act.choose_in_autocomplete(page, "category", "nerve", "Nerve health")

    # A section with a paragraph and a list: a new article starts with one section open.
    section = page.locator("#sections-0")
    section.get_by_label(re.compile("^Heading")).fill("What the trials found")
    act.click(section.locator(".field-body").get_by_role("textbox"), "into the text")
    page.keyboard.type("Two small trials looked at magnesium for restless legs.")
    act.press(page, "Enter")
    act.click(section.get_by_title("unordered list"), "bullet list")
    page.keyboard.type("Fewer night-time awakenings")
    act.press(page, "Enter")
    page.keyboard.type("No change in leg movements")

    # One study: a new section comes with one ready.
    study = section.locator("#sections-0-studies-0")
    study.get_by_label(re.compile("^Authors")).fill("Hornyak et al.")
    study.get_by_label(re.compile("^Year")).fill("1998")
    study.get_by_label(re.compile("^Finding")).fill("Awakenings fell by 40% over six weeks.")
    study.get_by_label(re.compile("^Effect figure")).fill("40%")

    # An RDA table with two rows (the unit is milligrams unless changed).
    act.click(page.get_by_role("link", name="Add another Rda Table", exact=True), "Add table")
    table = page.locator("#rda_tables-0")
    table.get_by_label(re.compile("^Nutrient")).fill("Magnesium")
    for index, (stage, age_from, age_to, amount) in enumerate(
        [("Men", "19", "30", "400"), ("Women", "19", "30", "310")]
    ):
        act.click(table.get_by_role("link", name="Add another Rda Row"), "Add row")
        prefix = f"rda_tables-0-rows-{index}"
        act.select(page.locator(f"#id_{prefix}-life_stage"), "life stage", label=stage)
        page.locator(f"#id_{prefix}-age_from").fill(age_from)
        page.locator(f"#id_{prefix}-age_to").fill(age_to)
        page.locator(f"#id_{prefix}-amount").fill(amount)

    # One citation.
    act.click(page.get_by_role("link", name="Add another Reference", exact=True), "Add citation")
    act.choose_in_autocomplete(
        page, "citations-0-reference", "restless", "Magnesium therapy for restless legs"
    )

    act.click(page.get_by_role("button", name="Save and continue editing"), "Save")
    expect(page.locator(".messagelist .success")).to_be_visible()
    act.click(page.get_by_role("button", name="Submit for review"), "Submit for review")
    expect(page.locator(".messagelist .success")).to_contain_text("review")


def record_the_review(page, act):
    """The medical reviewer, from the index: the article waits in "Waiting for medical review"."""
    act.click(page.locator("#desk-waiting_for_review").get_by_role("link", name=TITLE), TITLE)
    act.click(page.get_by_text("Record review…"), "Record review…")
    act.select(page.get_by_label("Reviewed by"), "reviewer", label="Dr. Amelia Hart, MD")
    act.click(page.get_by_role("button", name="Record review", exact=True), "Record review")
    expect(page.locator(".messagelist .success")).to_be_visible()


def publish(page, act):
    """The publisher, from the index: the article waits in "Ready to publish"."""
    act.click(page.locator("#desk-ready_to_publish").get_by_role("link", name=TITLE), TITLE)
    act.click(page.get_by_role("button", name="Publish now"), "Publish now")
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_the_small_article_goes_from_an_empty_form_to_published_in_few_interactions(
    new_page, people
):
    CategoryFactory(name="Nerve health", slug="nerve-health")
    ContributorFactory(name="Dr. Amelia Hart", credentials="MD")
    ReferenceFactory(title="Magnesium therapy for restless legs")
    act = Interactions()

    write_the_article(signed_in(new_page, "edna"), act)
    record_the_review(signed_in(new_page, "rita"), act)
    publish(signed_in(new_page, "paul"), act)

    article = Article.objects.get(title=TITLE)
    assert article.status == Article.Status.PUBLISHED
    section = article.sections.get()
    assert "<ul>" in section.body and "No change in leg movements" in section.body
    assert section.studies.get().effect_figure == "40%"
    assert [row.amount for row in article.rda_tables.get().rows.all()] == [400, 310]
    assert article.citations.get().reference.title == "Magnesium therapy for restless legs"
    print(f"\nsmall article, empty form to published: {act.count} interactions")
    print("\n".join(f"  {number}. {entry}" for number, entry in enumerate(act.log, start=1)))
    assert act.count <= MOST_INTERACTIONS
