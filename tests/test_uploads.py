"""
Hero images uploaded through the article admin are checked by content, not by name.

Each refusal is shown in the re-rendered form, and nothing is stored; an accepted image is
stored under a random name with the extension of its real format.
"""

import io
import re
import struct
import zlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article
from tests.admin_forms import form_data_from_page
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

HERO_NAME = r"articles/hero/[0-9a-f]{32}\.png"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def article():
    return ArticleFactory(status=Article.Status.DRAFT, publish_at=None)


def png_bytes(size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def png_claiming(width, height):
    """A PNG of a few dozen bytes whose header claims `width`×`height` pixels."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def upload(client, article, name, content):
    """Open the article's admin page and save it as a browser would, with a hero image."""
    url = reverse("admin:articles_article_change", args=[article.pk])
    data = form_data_from_page(client.get(url).content.decode())
    data |= {
        "hero_image": SimpleUploadedFile(name, content),
        "hero_image_alt": "Magnesium capsules on a white table",
    }
    return client.post(url, data)


def hero_image_errors(response):
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors.get("hero_image")


def assert_nothing_stored(article, media_root):
    article.refresh_from_db()
    assert not article.hero_image
    assert not list(media_root.rglob("*.*"))


def test_a_text_file_named_jpg_is_refused(admin_client, article, media_root):
    response = upload(admin_client, article, "hero.jpg", b"<?php system($_GET['c']); ?>")

    assert hero_image_errors(response) == [
        "This file is not an image we can read (use JPEG, PNG or WebP)."
    ]
    assert "This file is not an image we can read" in response.content.decode()
    assert_nothing_stored(article, media_root)


def test_an_oversize_file_is_refused(admin_client, article, media_root):
    assert settings.HERO_IMAGE_MAX_BYTES == 5 * 1024 * 1024
    oversize = png_bytes() + b"\0" * 6 * 1024 * 1024  # a real PNG, padded past the limit

    response = upload(admin_client, article, "hero.png", oversize)

    assert hero_image_errors(response) == [
        "This image is too large (6.0\xa0MB); the limit is 5.0\xa0MB."
    ]
    assert_nothing_stored(article, media_root)


def test_a_decompression_bomb_is_refused_without_decoding_it(admin_client, article, media_root):
    bomb = png_claiming(30_000, 30_000)
    assert len(bomb) < 100

    response = upload(admin_client, article, "hero.png", bomb)

    message = (
        "This image has too many pixels to be processed safely; the limit is 40 million pixels."
    )
    assert hero_image_errors(response) == [message]
    assert message in response.content.decode()
    assert_nothing_stored(article, media_root)


def test_an_image_just_over_the_pixel_limit_is_refused(admin_client, article, settings):
    settings.HERO_IMAGE_MAX_PIXELS = 1_000_000
    response = upload(admin_client, article, "hero.png", png_claiming(1001, 1000))
    assert hero_image_errors(response) == [
        "This image is 1001×1000 pixels; the limit is 1 million pixels."
    ]


def test_a_valid_png_is_stored_under_a_random_name(admin_client, article, media_root):
    response = upload(admin_client, article, "../../My Holiday Photo.jpg", png_bytes())

    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert re.fullmatch(HERO_NAME, article.hero_image.name)
    stored = media_root / article.hero_image.name
    assert stored.read_bytes() == png_bytes()
    # Beside it, only its renditions (tests/articles/test_images.py).
    others = [p for p in media_root.rglob("*.*") if p != stored]
    assert others and all(p.is_relative_to(media_root / "renditions") for p in others)


# Serving what was uploaded (DEBUG is off in the tests, as in production).


def jpeg_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


def hero_jpeg():
    return SimpleUploadedFile("hero.jpg", jpeg_bytes())


def test_an_uploaded_hero_image_is_served_with_its_type_and_nosniff(client, media_root):
    assert not settings.DEBUG
    article = ArticleFactory(hero_image=hero_jpeg(), hero_image_alt="A teal square")
    response = client.get(article.hero_image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == jpeg_bytes()


def test_a_media_directory_is_not_listed(client, media_root):
    ArticleFactory(hero_image=hero_jpeg(), hero_image_alt="A teal square")
    for url in ("/media/", "/media/articles/", "/media/articles/hero/"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "path",
    ["/media/../manage.py", "/media/%2e%2e/manage.py", "/media/articles/../../secret.png"],
)
def test_a_path_out_of_the_media_folder_is_404(client, media_root, path):
    (media_root.parent / "secret.png").write_bytes(png_bytes())
    assert client.get(path).status_code == 404


def test_a_link_out_of_the_media_folder_is_404(client, media_root):
    (media_root.parent / "outside.png").write_bytes(png_bytes())
    (media_root / "inside.png").symlink_to(media_root.parent / "outside.png")
    assert client.get("/media/inside.png").status_code == 404


def test_only_image_files_are_served(client, media_root):
    (media_root / "notes.html").write_text("<script>alert(1)</script>")
    assert client.get("/media/notes.html").status_code == 404
