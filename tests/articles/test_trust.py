"""Only a publisher changes what readers of a published article see, through the references it
cites and the disclaimers it shows, and each such change goes into the article's history.

The attacks of issue 15: an Editors member edits the title of a reference a published article
cites, or merges references so a published article cites another address; both reached readers
at once and no history.
"""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from articles.editing import versioning
from articles.models import Article, Citation, Disclaimer
from references.models import Reference
from references.services import merge_references
from tests.admin_forms import form_data_from_page
from tests.factories import ArticleFactory, CitationFactory, SectionFactory, StudyFactory
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

REFERENCES = reverse("admin:references_reference_changelist")


@pytest.fixture
def editor_who_publishes(editor):
    """An Editors member who is a publisher too: references need both permissions."""
    editor.groups.add(Group.objects.get(name="Publishers"))
    return editor


@pytest.fixture
def cited():
    """A reference a published article cites."""
    reference = ReferenceFactory(title="Zinc lozenges for colds", url="https://example.org/zinc")
    CitationFactory(reference=reference, article=ArticleFactory(title="Zinc and colds"))
    return reference


def reference_url(reference):
    return reverse("admin:references_reference_change", args=[reference.pk])


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def edit_reference(client, reference, **changes):
    page = client.get(reference_url(reference))
    assert page.status_code == 200
    data = form_data_from_page(page.content.decode(), form_id="reference_form")
    data.update(changes)
    return client.post(reference_url(reference), data)


def merge(client, keep, *others):
    return client.post(
        REFERENCES,
        {
            "action": "merge_references",
            ACTION_CHECKBOX_NAME: [keep.pk, *(other.pk for other in others)],
            "post": "yes",
            "keep": keep.pk,
        },
        follow=True,
    )


def history_comments(article):
    return [version.revision.get_comment() for version in versioning.versions_of(article)]


# References.


def test_editor_cannot_change_the_title_of_a_reference_a_published_article_cites(
    client, editor, cited
):
    client.force_login(editor)
    page = client.get(reference_url(cited))
    assert page.status_code == 200
    assert "title" not in page.context["adminform"].form.fields  # shown read-only
    [message] = messages_of(page)
    assert "cited by the published article “Zinc and colds”" in message
    assert "only a publisher (the Publishers group) can change or merge it" in message

    response = client.post(
        reference_url(cited), {"title": "Buy zinc at evil.example", "url": cited.url}
    )
    assert response.status_code == 403
    cited.refresh_from_db()
    assert cited.title == "Zinc lozenges for colds"


def test_editor_cannot_merge_references_so_a_published_article_cites_another_address(
    client, editor, cited
):
    phishing = ReferenceFactory(title="Zinc, the full story", url="https://evil.example/phish")
    client.force_login(editor)
    response = merge(client, phishing, cited)
    [message] = messages_of(response)
    assert message.startswith("Nothing was merged: “Zinc lozenges for colds” is cited by")
    assert Reference.objects.filter(pk=cited.pk).exists()
    assert Citation.objects.get().reference == cited


def test_a_reference_only_drafts_cite_stays_editable_by_editors(client, editor):
    reference = ReferenceFactory(title="Draft source", url="https://example.org/draft")
    CitationFactory(
        reference=reference, article=ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    )
    client.force_login(editor)
    response = edit_reference(client, reference, title="Draft source, corrected")
    assert response.status_code == 302
    reference.refresh_from_db()
    assert reference.title == "Draft source, corrected"

    other = ReferenceFactory(title="Draft source again", url="https://example.org/draft-2")
    merge(client, reference, other)
    assert not Reference.objects.filter(pk=other.pk).exists()


def test_publisher_changes_a_cited_reference_and_each_published_article_records_it(
    client, editor_who_publishes, cited
):
    second = ArticleFactory(title="Colds in winter")
    CitationFactory(reference=cited, article=second)
    draft = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    CitationFactory(reference=cited, article=draft)
    client.force_login(editor_who_publishes)
    response = edit_reference(client, cited, title="Zinc lozenges for the common cold")
    assert response.status_code == 302
    cited.refresh_from_db()
    assert cited.title == "Zinc lozenges for the common cold"
    expected = "Reference “Zinc lozenges for the common cold” changed: title."
    for article in Article.objects.filter(title__in=["Zinc and colds", "Colds in winter"]):
        assert history_comments(article) == [expected]
        assert versioning.latest_version(article).revision.user == editor_who_publishes
    assert history_comments(draft) == []


def test_publisher_merges_and_the_history_of_each_published_article_shows_it(
    client, editor_who_publishes, cited
):
    article = Article.objects.get(title="Zinc and colds")
    duplicate = ReferenceFactory(title="Zinc lozenges (again)", url="https://example.org/zinc-2")
    citing_duplicate = ArticleFactory(title="Lozenges")
    CitationFactory(reference=duplicate, article=citing_duplicate)
    study_article = ArticleFactory(title="Study page")
    StudyFactory(section=SectionFactory(article=study_article), reference=duplicate)
    client.force_login(editor_who_publishes)
    response = merge(client, cited, duplicate)
    assert messages_of(response)[0].startswith("Merged 1 reference into")
    expected = "Reference “Zinc lozenges (again)” merged into “Zinc lozenges for colds”."
    assert history_comments(citing_duplicate) == [expected]
    assert history_comments(study_article) == [expected]
    # The article that cited the one kept reads the same as before: nothing to record.
    assert history_comments(article) == []
    assert Citation.objects.get(article=citing_duplicate).reference == cited


def test_a_merge_in_a_script_is_recorded_without_a_user(cited):
    duplicate = ReferenceFactory(title="Copy", url="https://example.org/copy", pmid="12345")
    citing = ArticleFactory(title="Copy cited")
    CitationFactory(reference=duplicate, article=citing)
    merge_references(keep=cited, others=[duplicate])
    article = Article.objects.get(title="Zinc and colds")
    # The reference kept took the PubMed ID: readers of both articles see it.
    assert history_comments(article) == [
        "Reference “Copy” merged into “Zinc lozenges for colds”. It took from them: PubMed ID."
    ]
    assert versioning.latest_version(citing).revision.user is None


# Disclaimers.


@pytest.fixture
def shown():
    disclaimer = Disclaimer.objects.create(name="Trial", title="Not advice", body="<p>Ask.</p>")
    ArticleFactory(title="Zinc and colds").disclaimers.add(disclaimer)
    return disclaimer


def disclaimer_url(disclaimer):
    return reverse("admin:articles_disclaimer_change", args=[disclaimer.pk])


def test_who_may_change_disclaimers_cannot_change_one_a_published_article_shows(
    client, editor, shown
):
    editor.groups.add(Group.objects.get(name="Editors"))
    change = editor.user_permissions.model.objects.get(codename="change_disclaimer")
    editor.user_permissions.add(change)
    client.force_login(editor)
    page = client.get(disclaimer_url(shown))
    assert "body" not in page.context["adminform"].form.fields
    [message] = messages_of(page)
    assert "“Trial” is shown on the published article “Zinc and colds”" in message
    response = client.post(disclaimer_url(shown), {"name": "Trial", "title": "Buy now"})
    assert response.status_code == 403
    shown.refresh_from_db()
    assert shown.title == "Not advice"


def test_publisher_changes_a_disclaimer_and_the_article_history_records_it(admin_client, shown):
    page = admin_client.get(disclaimer_url(shown))
    data = form_data_from_page(page.content.decode(), form_id="disclaimer_form")
    data.update(title="Not medical advice")
    assert admin_client.post(disclaimer_url(shown), data).status_code == 302
    article = Article.objects.get(title="Zinc and colds")
    assert history_comments(article) == ["Disclaimer “Trial” changed: title."]
