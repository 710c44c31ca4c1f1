"""The public article page: everything the article holds, for readers once it is live."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Study
from tests.factories import (
    ArticleFactory,
    CitationFactory,
    ContributorFactory,
    RDARowFactory,
    RDATableFactory,
    RelatedArticleFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


def full_article():
    article = ArticleFactory(attribution="Zinc basics is an original (HSLHealing) article.")
    section = SectionFactory(article=article, heading="What zinc does", number_subsections=True)
    sub = SectionFactory(article=article, heading="Immune cells", level=3)
    citation = CitationFactory(article=article, position=1)
    StudyFactory(section=sub, reference=citation.reference)
    StudyFactory(
        section=section,
        display=Study.Display.IN_TEXT,
        authors="Prasad et al.",
        year=2008,
        finding="Deficiency affects 2 billion people.",
        effect_figure="2 billion",
        journal="",
    )
    RDARowFactory(table=RDATableFactory(article=article), age_from=19, age_to=None, amount=11)
    RelatedArticleFactory(article=article, related=ArticleFactory(title="Copper basics"))
    return article


def test_article_page_shows_everything_the_article_holds(client):
    article = full_article()
    response = client.get(article.get_absolute_url())
    content = response.content.decode()
    assert response.status_code == 200
    for expected in [
        f"<h1>{article.title}</h1>",
        article.standfirst,
        "What zinc does",
        "1. Immune cells",
        "Clinical Insight",
        "Lozenges shortened colds by 33% on average.",
        "Lind et al. (2019)",
        '<a class="cite-link" href="#ref-1"',
        "Prasad et al., 2008",
        "Recommended intakes for Zinc",
        ">Male</th>",
        ">19+ years</th>",
        'id="ref-1"',
        'rel="noopener nofollow"',
        "Copper basics",
        "is an original (HSLHealing) article.",
        "Important Note",
        "Food and Drug Administration",
    ]:
        assert expected in content, expected


def article_with_sections(count):
    """A full article grown to `count` sections, each with studies, a citation and a table."""
    article = full_article()
    for _ in range(count - 2):
        section = SectionFactory(article=article)
        citation = CitationFactory(article=article)
        StudyFactory(section=section, reference=citation.reference)
        StudyFactory(section=section, display=Study.Display.IN_TEXT)
    for _ in range(count // 20):
        RDARowFactory(table=RDATableFactory(article=article))
    return article


@pytest.mark.parametrize("sections", [3, 60])
def test_article_page_runs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks, sections
):
    # Committed, as a real save is: the commit starts the new content generation.
    with django_capture_on_commit_callbacks(execute=True):
        article = article_with_sections(sections)
    with django_assert_max_num_queries(10):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="article-section') == sections


def test_table_of_contents_numbers_a_numbered_sub_section_once(client):
    content = client.get(full_article().get_absolute_url()).content.decode()
    toc = content.split('<nav class="toc"')[1].split("</nav>")[0]
    assert '<a href="#immune-cells">1. Immune cells</a>' in toc
    assert "<ol" not in toc, "a numbered list would number “1. Immune cells” a second time"


def test_table_of_contents_links_to_every_heading_and_the_references(client):
    content = client.get(full_article().get_absolute_url()).content.decode()
    for anchor in ["what-zinc-does", "immune-cells", "intake-tables", "references"]:
        assert f'href="#{anchor}"' in content
        assert f'id="{anchor}"' in content


def test_reference_links_back_to_each_place_citing_it(client):
    article = ArticleFactory()
    citation = CitationFactory(article=article)
    first = StudyFactory(section=SectionFactory(article=article), reference=citation.reference)
    second = StudyFactory(
        section=SectionFactory(article=article),
        reference=citation.reference,
        display=Study.Display.IN_TEXT,
    )
    content = client.get(article.get_absolute_url()).content.decode()
    reference_item = content.split('<li id="ref-1">')[1].split("</li>")[0]
    assert f'href="#cite-{first.pk}"' in reference_item
    assert f'href="#cite-{second.pk}"' in reference_item
    assert f'id="cite-{first.pk}"' in content
    assert f'id="cite-{second.pk}"' in content


def test_reference_text_comes_from_the_reference_item_partial(client):
    article = ArticleFactory()
    citation = CitationFactory(article=article, reference__title="Zinc lozenges and colds")
    response = client.get(article.get_absolute_url())
    reference_item = response.content.decode().split('<li id="ref-1">')[1].split("</li>")[0]
    partial = render_to_string("includes/reference_item.html", {"reference": citation.reference})
    assert reference_item.startswith(partial)
    assert "Zinc lozenges and colds" in reference_item
    assert f'href="{citation.reference.url}" rel="noopener nofollow"' in reference_item


def test_article_page_names_author_reviewer_dates_and_reading_time(client):
    reviewer = ContributorFactory(name="Dr. Rao", credentials="MD")
    article = ArticleFactory(
        author__name="Sam Writer",
        medical_reviewer=reviewer,
        reviewed_on=datetime.date(2025, 3, 4),
        publish_at=datetime.datetime(2025, 2, 1, 9, tzinfo=datetime.UTC),
    )
    content = client.get(article.get_absolute_url()).content.decode()
    author_url = article.author.get_absolute_url()
    assert f'By <a class="author" href="{author_url}">Sam Writer</a>' in content
    assert (
        f'Medically reviewed by <a class="reviewer" href="{reviewer.get_absolute_url()}">'
        "Dr. Rao, MD</a> on"
    ) in content
    assert '<time datetime="2025-03-04">4 March 2025</time>' in content
    assert "Published <time" in content and "1 February 2025" in content
    assert "Updated <time" in content
    assert "1 min read" in content


def test_amounts_are_written_as_people_write_them(client):
    article = ArticleFactory()
    RDARowFactory(table=RDATableFactory(article=article, upper_limit=350), amount=400)
    content = client.get(article.get_absolute_url()).content.decode()
    assert ">400&nbsp;mg</td>" in content
    assert "Tolerable Upper Intake Level (UL): 350&nbsp;mg per day" in content
    assert "E+2" not in content


def test_article_page_has_one_h1_and_the_landmarks(client):
    content = client.get(full_article().get_absolute_url()).content.decode()
    assert content.count("<h1") == 1
    for landmark in ["<header", '<nav class="site-nav"', "<main", '<footer class="site-footer"']:
        assert landmark in content


@pytest.mark.parametrize(
    "state",
    [
        {"status": Article.Status.DRAFT, "publish_at": None},
        {"status": Article.Status.IN_REVIEW, "publish_at": None},
        {"status": Article.Status.ARCHIVED, "publish_at": None},
        {
            "status": Article.Status.PUBLISHED,
            "publish_at": timezone.now() + datetime.timedelta(days=1),
        },
    ],
    ids=["draft", "in-review", "archived", "scheduled"],
)
def test_unpublished_articles_are_404_for_readers(client, state):
    assert client.get(ArticleFactory(**state).get_absolute_url()).status_code == 404


def test_editors_preview_drafts_with_a_banner(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    response = editor_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: this article is draft" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_a_preview_is_never_cached(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    cache_control = editor_client.get(article.get_absolute_url())["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def test_editors_preview_a_scheduled_article_with_its_time(editor_client):
    article = ArticleFactory(publish_at=timezone.now() + datetime.timedelta(days=2))
    content = editor_client.get(article.get_absolute_url()).content.decode()
    assert "Preview: this article is published and scheduled for" in content


def test_the_admin_view_on_site_link_opens_the_preview(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    content_type = ContentType.objects.get_for_model(Article)
    response = editor_client.get(
        reverse("admin:view_on_site", args=[content_type.pk, article.pk]), follow=True
    )
    assert response.redirect_chain[0][0].endswith(article.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: this article is draft" in response.content.decode()


def test_the_admin_change_page_links_to_the_preview(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    content = editor_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert f'href="{article.get_absolute_url()}"' in content
    assert "Preview (only editors can see it)" in content


def test_staff_without_article_permissions_cannot_preview(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("x", is_staff=True))
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_related_links_to_unpublished_articles_are_hidden(client):
    article = ArticleFactory()
    RelatedArticleFactory(
        article=article,
        related=ArticleFactory(title="Secret draft", status="draft", publish_at=None),
    )
    assert "Secret draft" not in client.get(article.get_absolute_url()).content.decode()


def test_an_article_with_nothing_to_list_has_no_table_of_contents(client):
    article = ArticleFactory()
    SectionFactory(article=article, heading="")
    content = client.get(article.get_absolute_url()).content.decode()
    assert "In this article" not in content


def test_a_second_reader_gets_the_article_from_cached_fragments(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """With the page cache off, the article's parts are still rendered once per content
    generation: the next reader costs the article row, nothing more."""
    with django_capture_on_commit_callbacks(execute=True):
        article = article_with_sections(20)
    first = client.get(article.get_absolute_url()).content
    with django_assert_num_queries(1):
        again = client.get(article.get_absolute_url()).content
    assert again == first


def test_a_preview_is_not_kept_as_a_fragment_for_readers(editor_client, client):
    article = ArticleFactory(publish_at=timezone.now() + datetime.timedelta(days=2))
    assert "Preview: this article" in editor_client.get(article.get_absolute_url()).content.decode()
    editor_client.logout()
    article.publish_at = timezone.now() - datetime.timedelta(minutes=1)
    article.save()
    assert "Preview: this article" not in client.get(article.get_absolute_url()).content.decode()
