"""A long article (300 sections, each with a study, and intake tables) opens and saves.

Django refuses a POST of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields, and the limit stays as
it is: the page's script leaves out the sections nobody touched and names them in
`_unchanged_sections`; the admin puts their stored values back (articles/editing/unchanged.py).
These tests post what that script posts.
"""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from articles.editing.unchanged import UNCHANGED_FIELD
from articles.models import Article, Section, Study
from tests.admin_forms import form_data_from_page
from tests.factories import (
    ArticleFactory,
    RDARowFactory,
    RDATableFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db

SECTIONS = 300


@pytest.fixture
def long_article():
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    sections = Section.objects.bulk_create(
        SectionFactory.build(article=article, position=n, heading=f"Part {n}")
        for n in range(SECTIONS)
    )
    Study.objects.bulk_create(StudyFactory.build(section=section) for section in sections)
    for nutrient in ["Zinc", "Iron"]:
        RDARowFactory(table=RDATableFactory(article=article, nutrient=nutrient))
    return article


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def leave_out_unchanged(data, touched):
    """What admin-desk.js sends: every section but those in `touched` left out and named."""
    kept, left_out = {}, []
    section_field = re.compile(r"^sections-(\d+)-")
    for name, value in data.items():
        match = section_field.match(name)
        if match and int(match[1]) not in touched:
            if name == f"sections-{match[1]}-id":
                left_out.append(f"{match[1]}:{value}")
            continue
        kept[name] = value
    kept[UNCHANGED_FIELD] = ",".join(left_out)
    return kept


def test_the_whole_form_is_beyond_the_field_limit(admin_client, long_article):
    """The reason for the rest: posting every field of this article is refused."""
    data = form_data_from_page(admin_client.get(change_url(long_article)).content.decode())
    assert len(data) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert admin_client.post(change_url(long_article), data).status_code == 400


def test_a_long_article_saves_with_only_the_changed_section_posted(admin_client, long_article):
    page = admin_client.get(change_url(long_article))
    assert page.status_code == 200
    data = form_data_from_page(page.content.decode())
    data["sections-150-heading"] = "Part 150, retitled"
    data["sections-150-studies-0-finding"] = "Lozenges shortened colds by 40% on average."
    data["sections-150-studies-0-effect_figure"] = "40%"
    posted = leave_out_unchanged(data, touched={150})
    assert len(posted) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS

    response = admin_client.post(change_url(long_article), posted)

    assert response.status_code == 302, response.context["adminform"].form.errors
    sections = list(long_article.sections.order_by("position"))
    assert len(sections) == SECTIONS
    assert sections[150].heading == "Part 150, retitled"
    assert sections[150].studies.get().effect_figure == "40%"
    assert [s.heading for s in sections[:3]] == ["Part 0", "Part 1", "Part 2"]
    assert Study.objects.filter(section__article=long_article).count() == SECTIONS
    assert long_article.rda_tables.count() == 2


def test_a_left_out_section_of_another_article_is_refused(admin_client, long_article):
    other = SectionFactory()
    data = form_data_from_page(admin_client.get(change_url(long_article)).content.decode())
    posted = leave_out_unchanged(data, touched=set(range(1, SECTIONS)))
    posted[UNCHANGED_FIELD] = f"0:{other.pk}"
    assert admin_client.post(change_url(long_article), posted).status_code == 400
    other.refresh_from_db()
    assert other.article != long_article
