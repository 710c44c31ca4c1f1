"""
"Add another study" and "Add another Rda Row" in Chromium, on an article's page that carries one
empty form per kind of part (articles/admin/inlines.py, `OneEmptyFormPerInline`): the page's
script (static/js/one-empty-form.js) gives every stored section and table the template the
server rendered once, and what the editor adds there, or in a new section, is saved.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    RDARowFactory,
    RDATableFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def article():
    """A draft with a section holding a study, a section holding none and a one-row table."""
    article = ArticleFactory(status=Article.Status.DRAFT)
    with_study = SectionFactory(article=article, position=0, heading="What the trials found")
    StudyFactory(section=with_study, reference=None, authors="Lind et al.")
    SectionFactory(article=article, position=1, heading="Who should take it")
    table = RDATableFactory(article=article)
    RDARowFactory(table=table, position=0, age_from=1, age_to=18)
    return article


@pytest.fixture
def change_page(new_page, django_user_model, article):
    django_user_model.objects.create_superuser("sue", "sue@example.com", PASSWORD)
    page = new_page()
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(reverse("admin:articles_article_change", args=[article.pk]))
    return page


def add_study(page, formset_prefix, index, authors):
    """Click the formset's "Add another Study" and fill in the study it adds."""
    page.locator(f"#{formset_prefix}-group").get_by_role("link", name="Add another Study").click()
    fill_study(page, f"{formset_prefix}-{index}", authors)


def fill_study(page, prefix, authors):
    study = page.locator(f"#{prefix}")
    study.get_by_label(re.compile("^Authors")).fill(authors)
    study.get_by_label(re.compile("^Year")).fill("2020")
    study.get_by_label(re.compile("^Finding")).fill("Cramps fell by 30% in eight weeks.")
    study.get_by_label(re.compile("^Effect figure")).fill("30%")


def test_studies_and_rows_added_to_stored_and_new_parts_are_saved(change_page, article):
    page = change_page
    # Stored sections start folded: open both.
    for toggle in page.locator(".desk-section-toggle").all():
        toggle.click()

    add_study(page, "sections-0-studies", 1, "Added to a section with a study")
    add_study(page, "sections-1-studies", 0, "Added to a section without one")

    page.get_by_role("link", name="Add another Section", exact=True).click()
    new_section = page.locator("#sections-2")
    new_section.get_by_label(re.compile("^Heading")).fill("How much to take")
    new_section.locator(".field-body").get_by_role("textbox").click()
    page.keyboard.type("Most trials used 300 mg a day.")
    # A new section comes with one study ready; a second one is added.
    fill_study(page, "sections-2-studies-0", "Ready in a new section")
    add_study(page, "sections-2-studies", 1, "Added to a new section")

    table = page.locator("#rda_tables-0")
    table.get_by_role("link", name="Add another Rda Row").click()
    page.locator("#id_rda_tables-0-rows-1-life_stage").select_option(label="Women")
    page.locator("#id_rda_tables-0-rows-1-age_from").fill("19")
    page.locator("#id_rda_tables-0-rows-1-amount").fill("310")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    sections = article.sections.order_by("position")
    assert [list(section.studies.values_list("authors", flat=True)) for section in sections] == [
        ["Lind et al.", "Added to a section with a study"],
        ["Added to a section without one"],
        ["Ready in a new section", "Added to a new section"],
    ]
    rows = article.rda_tables.get().rows.order_by("position")
    assert [(row.life_stage, row.age_from, row.amount) for row in rows] == [
        ("men", 1, 11),
        ("women", 19, 310),
    ]
