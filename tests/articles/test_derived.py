"""
Derived data once per change: an article's word count and search vector are refreshed once per
committed save however many of its parts changed, and the readers' page cache is forgotten only
when something they see changes and only after the transaction commits.
"""

from functools import partial

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editing import imports
from articles.models import Article
from articles.site import page_cache
from articles.textformat import importer
from references.linkcheck import CheckResult
from references.models import LinkStatus
from references.services import record_link_check
from tests.admin_forms import form_data_from_page
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ContributorFactory,
    ReferenceFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Commit as a real save does (the test's own transaction never commits)."""
    return partial(django_capture_on_commit_callbacks, execute=True)


@pytest.fixture
def generation(settings):
    """The page cache's current generation token; it changes when the cache is forgotten."""
    settings.PAGE_CACHE_SECONDS = 300
    return lambda: page_cache.current_generation().token


def article_with_parts(sections, studies_per_section=2, **fields):
    article = ArticleFactory(standfirst="Three words here.", **fields)
    for position in range(sections):
        section = SectionFactory(
            article=article, position=position, heading="Heading", body="<p>a b</p>"
        )
        for study_position in range(studies_per_section):
            StudyFactory(
                section=section, position=study_position, finding="One two.", effect_figure=""
            )
    return article


#: The queries the admin's forms run for each inline row sent back (see the re-save test).
PER_ROW_FORM_QUERIES = 6


def word_count_updates(queries):
    return [sql for sql in queries if sql.startswith('UPDATE "articles_article" SET "word_count"')]


def test_the_word_count_is_stored_once_however_many_parts_changed(committed):
    with CaptureQueriesContext(connection) as queries, committed():
        article = article_with_parts(sections=10)
    assert len(word_count_updates([q["sql"] for q in queries.captured_queries])) == 1
    article.refresh_from_db()
    assert article.word_count == 3 + 10 * (1 + 2) + 20 * 2  # standfirst, sections, findings


def test_a_rolled_back_save_changes_no_derived_text(committed):
    with committed():
        article = article_with_parts(sections=1, studies_per_section=0)
    stored = Article.objects.get(pk=article.pk).word_count
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        SectionFactory(article=article, body="<p>many more words than before</p>")
        raise RuntimeError("the save failed")
    assert Article.objects.get(pk=article.pk).word_count == stored


def test_a_committed_change_forgets_the_page_cache(committed, generation):
    article = ArticleFactory()
    before = generation()
    with committed():
        article.title = "A new title"
        article.save()
    assert generation() != before


def test_nothing_is_forgotten_before_the_commit(committed, generation):
    article = ArticleFactory()
    before = generation()
    with committed():
        article.title = "A new title"
        article.save()
        assert generation() == before
    assert generation() != before


def test_a_rolled_back_save_keeps_the_page_cache(committed, generation):
    article = ArticleFactory()
    before = generation()
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        article.title = "Never saved"
        article.save()
        raise RuntimeError("the save failed")
    assert generation() == before


def test_a_link_check_keeps_the_page_cache(committed, generation):
    """Link health is shown to editors (the admin), not to readers: the public reference list
    prints the citation only (templates/jinja2/includes/reference_item.html)."""
    reference = ReferenceFactory()
    before = generation()
    with committed():
        record_link_check(
            reference=reference,
            result=CheckResult(url=reference.url, link_status=LinkStatus.BROKEN, status_code=404),
        )
    assert generation() == before


def test_an_import_preview_keeps_the_page_cache(committed, generation):
    category, author = CategoryFactory(), ContributorFactory()
    before = generation()
    with committed():
        imports.import_article(
            draft=importer.parse("# Iron\n\nA standfirst.\n\n## Why\n\nIron carries oxygen.\n"),
            category=category,
            author=author,
            dry_run=True,
        )
    assert generation() == before
    assert not Article.objects.filter(title="Iron").exists()


def resave_queries(client, article):
    """The queries of saving the article's admin page as it was opened, unchanged."""
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data_from_page(client.get(url).content.decode())
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return [query["sql"] for query in queries.captured_queries]


def writes(queries):
    return [sql for sql in queries if sql.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]


@pytest.mark.parametrize("user", ["admin_user", "editor"])
def test_resaving_an_article_writes_the_same_however_many_sections_it_has(client, request, user):
    """The derived text is stored once, and unchanged sections and studies are not written,
    so what the save writes does not grow with the article. Reading the form back does: the
    admin's inline forms look up each row they were sent (Django's hidden `id` field, read
    again by nested_admin's save), a few queries a row, which this bounds."""
    client.force_login(request.getfixturevalue(user))
    # A draft, which editors may change; one study a section keeps 30 sections within the
    # admin's 1,000 form fields.
    draft = {"status": Article.Status.DRAFT, "publish_at": None, "studies_per_section": 1}
    few = resave_queries(client, article_with_parts(sections=3, **draft))
    many = resave_queries(client, article_with_parts(sections=30, **draft))
    assert len(writes(many)) == len(writes(few))
    assert len(word_count_updates(many)) == len(word_count_updates(few)) == 1
    print(f"re-save queries ({user}): 3 sections {len(few)}, 30 sections {len(many)}")
    assert (len(many) - len(few)) / 27 <= PER_ROW_FORM_QUERIES * 2  # a section and its study
