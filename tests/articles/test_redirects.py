"""Moved pages: once a published article's slug changes, its old address answers 301 to the
current one, for good, however many times it is renamed."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Article, ArticleRedirect
from tests.admin_forms import form_data_from_page
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def rename(article, slug):
    article = Article.objects.get(pk=article.pk)
    article.slug = slug
    article.save()
    return article


def test_old_address_of_a_renamed_article_redirects_permanently(client):
    article = rename(ArticleFactory(slug="zinc-basics"), "zinc-explained")
    response = client.get("/articles/zinc-basics/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/zinc-explained/"
    assert client.get(response["Location"]).status_code == 200
    assert ArticleRedirect.objects.get(old_slug="zinc-basics").article == article


def test_every_old_address_leads_to_the_current_one_after_several_renames(client):
    article = ArticleFactory(slug="first")
    article = rename(article, "second")
    article = rename(article, "third")
    for old in ["first", "second"]:
        response = client.get(f"/articles/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/articles/third/"


def test_renaming_the_same_instance_twice_records_both_old_addresses(client):
    article = ArticleFactory(slug="first")
    article.slug = "second"
    article.save()
    article.slug = "third"
    article.save()
    assert set(ArticleRedirect.objects.values_list("old_slug", flat=True)) == {"first", "second"}


def test_taking_back_an_old_slug_retires_its_redirect(client):
    article = rename(ArticleFactory(slug="first"), "second")
    rename(article, "first")
    assert client.get("/articles/first/").status_code == 200
    assert client.get("/articles/second/")["Location"] == "/articles/first/"
    assert not ArticleRedirect.objects.filter(old_slug="first").exists()


def test_a_new_article_on_an_old_address_takes_it_over(client):
    rename(ArticleFactory(slug="first"), "second")
    newcomer = ArticleFactory(slug="first")
    response = client.get("/articles/first/")
    assert response.status_code == 200
    assert response.context["article"] == newcomer


def test_renaming_a_draft_leaves_no_redirect(client):
    rename(ArticleFactory(slug="draft-one", status=Article.Status.DRAFT, publish_at=None), "d2")
    assert not ArticleRedirect.objects.exists()
    assert client.get("/articles/draft-one/").status_code == 404


def test_saving_without_a_new_slug_records_nothing():
    article = ArticleFactory(slug="same")
    Article.objects.get(pk=article.pk).save()
    assert not ArticleRedirect.objects.exists()


def test_old_address_of_an_article_taken_down_is_404(client):
    article = rename(ArticleFactory(slug="first"), "second")
    article.status = Article.Status.ARCHIVED
    article.save()
    assert client.get("/articles/first/").status_code == 404


def test_redirect_keeps_the_query_string(client):
    rename(ArticleFactory(slug="first"), "second")
    response = client.get("/articles/first/?utm_source=newsletter")
    assert response["Location"] == "/articles/second/?utm_source=newsletter"


def test_a_slug_changed_in_the_admin_redirects(editor, editor_client):
    # A published article's address is changed by an editor who may also publish.
    editor.groups.add(Group.objects.get(name="Publishers"))
    article = ArticleFactory(slug="first")
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data_from_page(editor_client.get(change_url).content.decode())
    data["slug"] = "second"
    response = editor_client.post(change_url, data)
    assert response.status_code == 302, response.context["errors"]
    response = editor_client.get("/articles/first/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/second/"


def test_an_article_saved_without_being_loaded_still_records_its_old_address(client):
    article = ArticleFactory(slug="first")
    copy = Article(
        **{f.attname: getattr(article, f.attname) for f in Article._meta.concrete_fields}
    )
    copy.slug = "second"
    copy.save()
    assert client.get("/articles/first/")["Location"] == "/articles/second/"
