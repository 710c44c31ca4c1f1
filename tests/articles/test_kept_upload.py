"""Nothing typed is lost on an error, uploads included: a hero image chosen on a refused save is
kept on the server (editing/kept_uploads.py) and used by the next save without choosing it
again; a tampered token is refused, a new file wins, and the kept file goes once used."""

import datetime
import io
import os

import pytest
from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.editing import kept_uploads
from articles.models import Article
from tests.admin_forms import article_post_data, form_data_from_page
from tests.articles.test_admin import article_fields, full_article_inlines
from tests.factories import ArticleFactory, ReferenceFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")
TOKEN = "hero_image_kept"
ALT = "Capsules on a spoon"


def png(name="capsules.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def kept_files():
    if not default_storage.exists(kept_uploads.PREFIX):
        return []
    return default_storage.listdir(kept_uploads.PREFIX)[1]


def image_size(article):
    with article.hero_image.open("rb") as file, Image.open(file) as image:
        return image.size


@pytest.fixture
def refused_page(editor_client):
    """An add page refused (an effect figure not in its finding) with capsules.png chosen:
    what a browser would post from it next, with the figure corrected."""
    inlines = full_article_inlines(ReferenceFactory())
    inlines["sections"][1]["studies"][0]["effect_figure"] = "0.9%"
    data = article_post_data(article_fields(hero_image_alt=ALT), **inlines)
    response = editor_client.post(ADD_URL, data | {"hero_image": png(size=(40, 30))})
    assert response.status_code == 200
    assert not Article.objects.exists()
    content = response.content.decode()
    next_post = form_data_from_page(content)
    next_post["sections-1-studies-0-effect_figure"] = "0.8%"
    return content, next_post


def test_the_page_says_the_image_is_kept_by_name(refused_page):
    content, next_post = refused_page
    assert "Kept from your last attempt: <strong>capsules.png</strong>" in content
    assert 'name="hero_image_kept_remove"' in content
    assert next_post[TOKEN]
    assert len(kept_files()) == 1


def test_the_next_save_without_choosing_again_has_the_image(editor_client, refused_page):
    _content, next_post = refused_page

    response = editor_client.post(ADD_URL, next_post)

    assert response.status_code == 302
    article = Article.objects.get()
    assert article.hero_image.name.startswith("articles/hero/")
    assert image_size(article) == (40, 30)
    assert article.hero_image_alt == ALT


def test_the_kept_file_is_removed_once_used(
    editor_client, django_capture_on_commit_callbacks, refused_page
):
    _content, next_post = refused_page
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(ADD_URL, next_post)
    assert Article.objects.get().hero_image
    assert kept_files() == []


def test_a_tampered_token_is_refused(editor_client, refused_page):
    _content, next_post = refused_page
    payload, signature = next_post[TOKEN].rsplit(":", 1)
    next_post[TOKEN] = f"{payload}:{signature[::-1]}"

    response = editor_client.post(ADD_URL, next_post)

    assert response.status_code == 200
    assert not Article.objects.exists()
    assert response.context["adminform"].form.errors["hero_image"] == [
        "The image kept from your last attempt can no longer be used: choose it again."
    ]


def test_a_token_naming_another_file_is_refused(editor_client, refused_page):
    _content, next_post = refused_page
    next_post[TOKEN] = signing.dumps(
        {"name": "articles/hero/someone-else.png", "filename": "x.png"}, salt=kept_uploads.SALT
    )
    response = editor_client.post(ADD_URL, next_post)
    assert response.status_code == 200
    assert "hero_image" in response.context["adminform"].form.errors


def test_a_new_file_wins_over_the_kept_one(
    editor_client, django_capture_on_commit_callbacks, refused_page
):
    _content, next_post = refused_page
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(ADD_URL, next_post | {"hero_image": png(size=(64, 48))})
    assert response.status_code == 302
    assert image_size(Article.objects.get()) == (64, 48)
    assert kept_files() == []


def test_a_new_file_on_another_refused_save_replaces_the_kept_one(editor_client, refused_page):
    _content, next_post = refused_page
    [first] = kept_files()
    next_post["sections-1-studies-0-effect_figure"] = "0.9%"

    response = editor_client.post(ADD_URL, next_post | {"hero_image": png("pills.png")})

    assert "Kept from your last attempt: <strong>pills.png</strong>" in response.content.decode()
    assert len(kept_files()) == 1
    assert kept_files() != [first]


def test_the_kept_image_is_kept_again_on_a_second_refusal(editor_client, refused_page):
    _content, next_post = refused_page
    [first] = kept_files()
    next_post["sections-1-studies-0-effect_figure"] = "0.9%"

    response = editor_client.post(ADD_URL, next_post)

    content = response.content.decode()
    assert "Kept from your last attempt: <strong>capsules.png</strong>" in content
    assert form_data_from_page(content)[TOKEN] == next_post[TOKEN]
    assert kept_files() == [first]


def test_remove_saves_without_the_image_and_deletes_it(
    editor_client, django_capture_on_commit_callbacks, refused_page
):
    _content, next_post = refused_page
    next_post["hero_image_kept_remove"] = "1"
    next_post["hero_image_alt"] = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(ADD_URL, next_post)
    assert response.status_code == 302
    assert not Article.objects.get().hero_image
    assert kept_files() == []


def test_an_invalid_image_is_not_kept(editor_client):
    inlines = full_article_inlines(ReferenceFactory())
    data = article_post_data(article_fields(hero_image_alt=ALT), **inlines)
    not_an_image = SimpleUploadedFile("capsules.png", b"not an image", content_type="image/png")

    response = editor_client.post(ADD_URL, data | {"hero_image": not_an_image})

    assert response.status_code == 200
    assert "Kept from your last attempt" not in response.content.decode()
    assert kept_files() == []


def test_a_refused_change_of_a_stored_article_keeps_the_image_too(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data_from_page(editor_client.get(url).content.decode())
    data |= {"hero_image_alt": ALT}

    refused = editor_client.post(url, data | {"title": "", "hero_image": png()})
    assert refused.status_code == 200
    again = form_data_from_page(refused.content.decode()) | {"title": "Zinc and colds"}
    assert editor_client.post(url, again).status_code == 302

    article.refresh_from_db()
    assert article.title == "Zinc and colds"
    assert image_size(article) == (40, 30)


def test_kept_files_older_than_a_day_are_swept_on_the_next_keep(settings):
    old = kept_uploads.keep(png("old.png"))
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old.stored_name), (two_days_ago, two_days_ago))

    new = kept_uploads.keep(png("new.png"))

    assert kept_files() == [new.stored_name.removeprefix(kept_uploads.PREFIX)]


def test_a_kept_file_is_not_served_as_media(client, refused_page):
    [name] = kept_files()
    served = ArticleFactory(hero_image=png(), hero_image_alt=ALT).hero_image
    assert client.get(served.url).status_code == 200
    assert client.get(f"/media/{kept_uploads.PREFIX}{name}").status_code == 404


def test_the_cron_command_deletes_kept_files_older_than_a_day(settings):
    old = kept_uploads.keep(png("old.png"))
    two_days_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old.stored_name), (two_days_ago, two_days_ago))
    recent = kept_uploads.keep(png("recent.png"))
    # `keep` sweeps too; make the old one again to see the command do it.
    old = kept_uploads.keep(png("old.png"))
    os.utime(default_storage.path(old.stored_name), (two_days_ago, two_days_ago))
    out = io.StringIO()
    call_command("clear_kept_uploads", stdout=out)
    assert out.getvalue() == "Deleted 1 kept uploads older than 24 hours.\n"
    assert kept_files() == [recent.stored_name.removeprefix(kept_uploads.PREFIX)]
