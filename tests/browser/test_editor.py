"""
An editor writes an article in the admin, in a real browser, and readers find it on the home page.

The article page is one form with JavaScript widgets: select2 autocompletes for foreign keys,
django-nested-admin inlines added with "Add another …" links, and the ProseMirror editor of
django-prose-editor for rich text. Only a browser shows they work together.

Publishing takes a recorded medical review, which only a medical reviewer records, and only a
publisher publishes; so the editor here also holds those two roles, as one person may.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CategoryFactory, ContributorFactory, ReferenceFactory

pytestmark = [
    pytest.mark.browser,
    # The Editors group comes from a migration; restore it after other tests' flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"
TITLE = "Vitamin D Supports Bone Strength"
SLUG = "vitamin-d-supports-bone-strength"
ROLES = ["Editors", "Medical reviewers", "Publishers"]


def choose_in_autocomplete(page, field_name, search, option):
    """Open the select2 autocomplete of a foreign key, search and pick the option."""
    page.locator(f"select[name='{field_name}'] + .select2").get_by_role("combobox").click()
    page.locator(".select2-container--open").get_by_role("searchbox").fill(search)
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f"#select2-id_{field_name}-container")).to_have_attribute("title", option)


def test_editor_adds_an_article_that_readers_find_on_the_home_page(
    page, new_page, live_server, django_user_model
):
    CategoryFactory(name="Bone health", slug="bone-health")
    CategoryFactory(name="Heart health", slug="heart-health")
    ContributorFactory(name="Rita Osei", credentials="RDN")
    ContributorFactory(name="Sam Adler", credentials="MD")
    ReferenceFactory(title="Vitamin D and bone density in older adults")
    ReferenceFactory(title="Vitamin C and wound healing")
    editor = django_user_model.objects.create_user("edna", password=PASSWORD, is_staff=True)
    editor.groups.set(Group.objects.filter(name__in=ROLES))
    assert editor.groups.count() == len(ROLES)

    page.goto("/admin/articles/article/add/")
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Add article", level=1)).to_be_visible()

    page.get_by_label(re.compile("^Title")).fill(TITLE)
    page.get_by_label(re.compile("^Standfirst")).fill("How much vitamin D keeps bones strong.")
    expect(page.get_by_label(re.compile("^Slug"))).to_have_value(SLUG)
    choose_in_autocomplete(page, "category", "bone", "Bone health")
    page.get_by_label(re.compile("^Status")).select_option(label="Published")
    choose_in_autocomplete(page, "author", "Osei", "Rita Osei, RDN")
    choose_in_autocomplete(page, "medical_reviewer", "Adler", "Sam Adler, MD")
    page.get_by_label(re.compile("^Reviewed on")).fill(timezone.localdate().isoformat())

    page.get_by_role("link", name="Add another Section", exact=True).click()
    section = page.locator("#sections-0")
    section.get_by_label(re.compile("^Heading")).fill("What vitamin D does")
    section.locator(".field-body").get_by_role("textbox").click()
    page.keyboard.type("Vitamin D helps the gut absorb calcium.")

    page.get_by_role("link", name="Add another Reference", exact=True).click()
    choose_in_autocomplete(
        page, "citations-0-reference", "bone density", "Vitamin D and bone density in older adults"
    )

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"The article “{TITLE}” was added successfully."
    )

    # A reader (not logged in, so shown no previews) finds it on the home page and opens it.
    reader = new_page()
    response = reader.goto("/")
    assert response.status == 200, f"the home page answered {response.status}"
    reader.get_by_role("link", name=TITLE).first.click()
    expect(reader).to_have_url(f"{live_server.url}/articles/{SLUG}/")
    expect(reader.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(reader.get_by_role("heading", name="What vitamin D does")).to_be_visible()
    expect(reader.get_by_text("Vitamin D helps the gut absorb calcium.")).to_be_visible()
    expect(reader.locator("li#ref-1")).to_contain_text("Vitamin D and bone density in older adults")
