"""History: every save keeps a version of the whole article page, which editors can list,
compare and restore; a deleted article can be recovered."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from reversion.models import Version

from articles.models import Article, Citation, RDARow, RDATable, RelatedArticle, Section, Study
from tests.admin_forms import article_post_data, form_data_from_page
from tests.factories import (
    ArticleFactory,
    CategoryFactory,
    ContributorFactory,
    ReferenceFactory,
    SectionFactory,
    StudyFactory,
)

pytestmark = pytest.mark.django_db


def admin_url(name, *args):
    return reverse(f"admin:articles_article_{name}", args=args)


def write_article(client):
    """Write a whole article on the add page: sections with a study, a table with rows,
    a reference and a related article."""
    reference, related = ReferenceFactory(), ArticleFactory(title="Iron basics")
    fields = {
        "title": "Vitamin D and bone density",
        "slug": "vitamin-d-bone-density",
        "standfirst": "What the evidence says.",
        "category": CategoryFactory().pk,
        "author": ContributorFactory().pk,
        "status": "draft",
        "publish_at_0": "",
        "publish_at_1": "",
    }
    study = {
        "display": "callout",
        "authors": "Reid et al.",
        "year": 2014,
        "finding": "Bone density rose by 0.8% at one site.",
        "position": 1,
    }
    data = article_post_data(
        fields,
        sections=[
            {"heading": "How vitamin D works", "level": 2, "body": "<p>A</p>", "position": 1},
            {
                "heading": "The trials",
                "level": 2,
                "body": "<p>B</p>",
                "position": 2,
                "studies": [study],
            },
        ],
        rda_tables=[
            {
                "nutrient": "Vitamin D",
                "unit": "IU",
                "position": 1,
                "rows": [
                    {"life_stage": "men", "age_from": 19, "age_to": 70, "age_unit": "years"}
                    | {"amount": "600", "intake_type": "rda", "position": 1},
                    {"life_stage": "women", "age_from": 19, "age_to": 70, "age_unit": "years"}
                    | {"amount": "600", "intake_type": "rda", "position": 2},
                ],
            }
        ],
        citations=[{"reference": reference.pk, "position": 1}],
        related_links=[{"related": related.pk, "position": 1}],
    )
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Article.objects.get(slug="vitamin-d-bone-density")


def open_and_save(client, article, **changes):
    data = form_data_from_page(client.get(admin_url("change", article.pk)).content.decode())
    data.update(changes)
    response = client.post(admin_url("change", article.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def delete_section(client, article, index):
    """Delete a section and its studies, as nested-admin's delete button does in a browser."""
    open_and_save(
        client,
        article,
        **{f"sections-{index}-DELETE": "on", f"sections-{index}-studies-0-DELETE": "on"},
    )


def versions(article):
    return list(Version.objects.get_for_object(article).order_by("pk"))


def section_index(client, article, heading):
    """The form index of the section with `heading` on the article's page."""
    data = form_data_from_page(client.get(admin_url("change", article.pk)).content.decode())
    return next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("sections-") and key.endswith("-heading") and value == heading
    )


class TestVersions:
    def test_a_save_keeps_a_version_with_every_part_of_the_page(self, editor_client):
        article = write_article(editor_client)
        (version,) = versions(article)
        saved = version.revision.version_set.all()
        counts = {
            model: saved.filter(content_type=ContentType.objects.get_for_model(model)).count()
            for model in [Section, Study, RDATable, RDARow, Citation, RelatedArticle]
        }
        assert counts == {
            Section: 2,
            Study: 1,
            RDATable: 1,
            RDARow: 2,
            Citation: 1,
            RelatedArticle: 1,
        }

    def test_each_save_adds_a_version_with_who_and_what(self, editor_client, editor):
        article = write_article(editor_client)
        open_and_save(editor_client, article, title="Vitamin D and your bones")
        second = versions(article)[1]
        assert second.revision.user == editor
        assert "Title" in second.revision.get_comment()
        assert second.field_dict["title"] == "Vitamin D and your bones"

    def test_change_page_keeps_its_nested_inlines(self, editor_client):
        article = StudyFactory(
            section=SectionFactory(
                article=ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
            )
        ).section.article
        content = editor_client.get(admin_url("change", article.pk)).content.decode()
        assert 'name="sections-0-studies-0-authors"' in content
        assert 'name="rda_tables-TOTAL_FORMS"' in content
        assert admin_url("history", article.pk) in content


class TestHistoryPage:
    def test_history_lists_each_version_with_user_and_comment(self, editor_client, editor):
        article = write_article(editor_client)
        open_and_save(editor_client, article, title="Vitamin D and your bones")

        response = editor_client.get(admin_url("history", article.pk))

        assert response.status_code == 200
        content = response.content.decode()
        assert content.count('name="old"') == 2 and content.count('name="new"') == 2
        assert content.count(editor.get_username()) >= 2
        assert "Changed Title." in content
        assert "Initial version." in content or "Added." in content
        assert admin_url("revision", article.pk, versions(article)[0].pk) in content

    def test_staff_who_only_read_see_the_history_but_cannot_restore(
        self, client, django_user_model, editor_client
    ):
        article = write_article(editor_client)
        exporter = django_user_model.objects.create_user("sam", is_staff=True)
        exporter.groups.add(Group.objects.get(name="Staff exporters"))
        client.force_login(exporter)
        version = versions(article)[0]

        history = client.get(admin_url("history", article.pk))
        assert history.status_code == 200
        assert admin_url("revision", article.pk, version.pk) not in history.content.decode()
        compare = client.get(
            admin_url("compare", article.pk), {"old": version.pk, "new": version.pk}
        )
        assert compare.status_code == 200
        assert client.get(admin_url("revision", article.pk, version.pk)).status_code == 403


class TestCompare:
    def test_compare_shows_a_changed_heading_and_title(self, editor_client):
        article = write_article(editor_client)
        index = section_index(editor_client, article, "The trials")
        open_and_save(
            editor_client,
            article,
            title="Vitamin D and your bones",
            **{f"sections-{index}-heading": "What the trials found"},
        )
        old, new = versions(article)

        response = editor_client.get(
            admin_url("compare", article.pk), {"old": old.pk, "new": new.pk}
        )

        assert response.status_code == 200
        content = response.content.decode()
        assert "Heading “The trials” changed to “What the trials found”." in content
        assert "Vitamin D and <del>bone density</del><ins>your bones</ins>" in content

    def test_compare_lists_removed_sections_and_studies(self, editor_client):
        article = write_article(editor_client)
        index = section_index(editor_client, article, "The trials")
        delete_section(editor_client, article, index)
        old, new = versions(article)

        # Either order of the two versions reads from the older to the newer.
        response = editor_client.get(
            admin_url("compare", article.pk), {"old": new.pk, "new": old.pk}
        )

        content = response.content.decode()
        assert "Removed section “The trials”." in content
        assert "Removed study Reid et al., 2014 from “The trials”." in content

    def test_versions_of_another_article_are_not_found(self, editor_client):
        article = write_article(editor_client)
        other = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
        open_and_save(editor_client, other, title="Another")
        response = editor_client.get(
            admin_url("compare", article.pk),
            {"old": versions(article)[0].pk, "new": versions(other)[0].pk},
        )
        assert response.status_code == 404

    def test_missing_versions_are_not_found(self, editor_client):
        article = write_article(editor_client)
        assert editor_client.get(admin_url("compare", article.pk), {"old": "x"}).status_code == 404


class TestRestore:
    def test_restoring_an_old_version_brings_back_deleted_sections_and_studies(self, editor_client):
        article = write_article(editor_client)
        index = section_index(editor_client, article, "The trials")
        delete_section(editor_client, article, index)
        assert not Study.objects.filter(section__article=article).exists()
        first = versions(article)[0]
        url = admin_url("revision", article.pk, first.pk)

        page = editor_client.get(url)
        assert page.status_code == 200
        content = page.content.decode()
        assert "Press the save button below to revert to this version" in content
        assert 'value="The trials"' in content
        assert 'name="sections-1-studies-0-authors"' in content
        # Only looking does not restore anything.
        assert not Study.objects.filter(section__article=article).exists()

        assert editor_client.post(url, form_data_from_page(content)).status_code == 302

        sections = list(article.sections.order_by("position"))
        assert [s.heading for s in sections] == ["How vitamin D works", "The trials"]
        assert sections[1].studies.get().authors == "Reid et al."
        assert len(versions(article)) == 3
        assert "Reverted to previous version" in versions(article)[-1].revision.get_comment()


class TestDeleteAndRecover:
    def test_deleting_asks_for_confirmation_first(self, admin_client):
        article = ArticleFactory(title="Zinc facts")
        response = admin_client.get(admin_url("delete", article.pk))
        assert response.status_code == 200
        assert "Are you sure you want to delete" in response.content.decode()
        assert Article.objects.filter(pk=article.pk).exists()

    def test_articles_are_not_deleted_in_bulk(self, admin_client):
        ArticleFactory()
        response = admin_client.get(reverse("admin:articles_article_changelist"))
        actions = dict(response.context["action_form"].fields["action"].choices)
        assert "delete_selected" not in actions

    def test_a_deleted_article_is_recovered_with_its_parts(self, admin_client):
        article = write_article(admin_client)
        pk = article.pk
        assert admin_client.post(admin_url("delete", pk), {"post": "yes"}).status_code == 302
        assert not Article.objects.filter(pk=pk).exists()

        listing = admin_client.get(reverse("admin:articles_article_recoverlist"))
        assert "Vitamin D and bone density" in listing.content.decode()
        deleted = Version.objects.get_deleted(Article).get()
        url = reverse("admin:articles_article_recover", args=[deleted.pk])
        form = admin_client.get(url)
        assert form.status_code == 200
        assert admin_client.post(url, form_data_from_page(form.content.decode())).status_code == 302

        article = Article.objects.get(pk=pk)
        assert article.sections.count() == 2
        assert Study.objects.filter(section__article=article).count() == 1
        assert article.rda_tables.get().rows.count() == 2
        assert article.citations.count() == 1

    def test_an_article_never_saved_in_the_admin_is_recoverable_too(self, admin_client):
        article = SectionFactory(heading="Kept", article=ArticleFactory(title="Old one")).article
        admin_client.post(admin_url("delete", article.pk), {"post": "yes"})
        deleted = Version.objects.get_deleted(Article).get()
        assert deleted.object_repr == "Old one"
        assert "Deleted." in deleted.revision.get_comment()

    def test_recovering_is_for_those_who_may_delete(self, editor_client):
        listing = editor_client.get(reverse("admin:articles_article_changelist"))
        assert "Recover deleted articles" not in listing.content.decode()
        assert editor_client.get(reverse("admin:articles_article_recoverlist")).status_code == 403

    def test_superusers_see_the_recover_link(self, admin_client):
        listing = admin_client.get(reverse("admin:articles_article_changelist"))
        assert "Recover deleted articles" in listing.content.decode()
