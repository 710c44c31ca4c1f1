"""Editors take an article's references to their reference manager: the article list's actions
export the selected articles' references as RIS, BibTeX or CSL-JSON (read back by the same
parsers the library's import uses), or their reference lists as NLM/Vancouver text; anyone who
may see the articles may do it. The article's change page shows each cited reference as readers
see it."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from references import formats
from tests.factories import ArticleFactory, CitationFactory, ReferenceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def wessells():
    return ReferenceFactory(
        title="Estimating the global prevalence of zinc deficiency",
        url="https://doi.org/10.1371/journal.pone.0050568",
        reference_type="article-journal",
        authors=[{"family": "Wessells", "given": "KR"}, {"family": "Brown", "given": "KH"}],
        container_title="PLoS ONE",
        container_title_short="PLoS One",
        issued_year=2012,
        volume="7",
        issue="11",
        pages="e50568",
        pmid="23209846",
        retrieved_on=None,
    )


def magnesium_page():
    return ReferenceFactory(
        title="Magnesium and aging", url="https://pubmed.ncbi.nlm.nih.gov/20388094/"
    )


@pytest.fixture
def articles():
    """Two articles citing a shared paper; the first also cites a web page, after it."""
    zinc, shared, page = ArticleFactory(title="Zinc", slug="zinc"), wessells(), magnesium_page()
    CitationFactory(article=zinc, reference=shared, position=1)
    CitationFactory(article=zinc, reference=page, position=2)
    iron = ArticleFactory(title="Iron", slug="iron")
    CitationFactory(article=iron, reference=shared, position=1)
    return zinc, iron


@pytest.fixture
def viewer(django_user_model):
    """Staff who may only view articles."""
    user = django_user_model.objects.create_user("vera", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    return user


def run_action(client, action, articles):
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "select_across": "0",
            "index": "0",
            "_selected_action": [article.pk for article in articles],
        },
    )


def test_ris_export_reads_back_as_the_article_references(client, viewer, articles):
    zinc, _iron = articles
    client.force_login(viewer)
    response = run_action(client, "export_references_ris", [zinc])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert 'filename="references-zinc.ris"' in response["Content-Disposition"]
    items = formats.read(response.content.decode(), "ris")
    assert [item["title"] for item in items] == [
        "Estimating the global prevalence of zinc deficiency",
        "Magnesium and aging",
    ]
    assert items[0]["author"][0] == {"family": "Wessells", "given": "KR"}
    assert items[0]["PMID"] == "23209846"


def test_bibtex_export_reads_back(client, viewer, articles):
    zinc, _iron = articles
    client.force_login(viewer)
    response = run_action(client, "export_references_bibtex", [zinc])
    items = formats.read(response.content.decode(), "bibtex")
    assert items[0]["container-title"] == "PLoS ONE"
    assert items[0]["issued"] == {"date-parts": [[2012]]}
    assert items[0]["DOI"] == "10.1371/journal.pone.0050568"


def test_csl_json_export_lists_a_shared_reference_once(client, viewer, articles):
    client.force_login(viewer)
    response = run_action(client, "export_references_csl_json", articles)
    assert 'filename="references-articles.json"' in response["Content-Disposition"]
    items = json.loads(response.content)
    assert [item["title"] for item in items] == [
        "Estimating the global prevalence of zinc deficiency",
        "Magnesium and aging",
    ]


def test_text_export_numbers_each_reference_list_as_readers_see_it(client, viewer, articles):
    zinc, iron = articles
    client.force_login(viewer)
    response = run_action(client, "export_references_nlm", [iron, zinc])
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    paper = zinc.citations.first().reference.citation_text()
    page = zinc.citations.last().reference.citation_text()
    assert paper.startswith("Wessells KR, Brown KH. Estimating the global prevalence")
    assert "PLoS One. 2012;7(11):e50568." in paper
    assert "[cited 2025 Jan 8]. Available from: https://pubmed.ncbi.nlm.nih.gov/20388094/" in page
    # The changelist's order (newest first), each list numbered from 1.
    assert text == f"Iron\n\n1. {paper}\n\nZinc\n\n1. {paper}\n2. {page}\n"


def test_articles_citing_nothing_get_a_message_not_an_empty_file(client, viewer):
    client.force_login(viewer)
    response = run_action(client, "export_references_ris", [ArticleFactory()])
    assert response.status_code == 302
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["The selected articles cite no references."]


def test_staff_who_may_not_view_articles_cannot_export_references(
    client, django_user_model, articles
):
    nobody = django_user_model.objects.create_user("nina", is_staff=True)
    client.force_login(nobody)
    assert run_action(client, "export_references_ris", articles).status_code == 403


def test_every_role_is_offered_the_reference_exports(client, editor, reviewer, publisher):
    for user in (editor, reviewer, publisher):
        client.force_login(user)
        actions = client.get(CHANGELIST).context["action_form"].fields["action"].choices
        names = {name for name, _label in actions}
        assert {
            "export_references_ris",
            "export_references_bibtex",
            "export_references_csl_json",
            "export_references_nlm",
        } <= names, user.username


def test_change_page_shows_each_cited_reference_as_readers_see_it(client, editor, articles):
    zinc, _iron = articles
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[zinc.pk])).content.decode()
    assert "As readers see it" in page
    assert "Wessells KR, Brown KH. Estimating the global prevalence" in page
    assert "PLoS One. 2012;7(11):e50568." in page
    assert '[cited <time datetime="2025-01-08">2025 Jan 8</time>]' in page


def test_a_draft_being_edited_shows_its_references_as_readers_see_them(client, editor):
    draft = ArticleFactory(status="draft", publish_at=None)
    CitationFactory(article=draft, reference=wessells())
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert "Change article" in page
    assert "Wessells KR, Brown KH. Estimating the global prevalence" in page
