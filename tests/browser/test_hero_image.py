"""Hero images work end to end with DEBUG off and no S3: the app serves /media/ itself
(hslhealing/media.py), so the picture an editor uploaded reaches the reader's browser.

Django's live server answers /media/ with its own test handler before the app sees the request,
so the browser's requests for /media/ are routed through the app (Django's test client, the
whole middleware stack and `serve_media`) and the browser gets exactly what the app answered.
"""

import io
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_hero_image_loads_in_the_browser(page, settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path
    article = ArticleFactory(
        hero_image=SimpleUploadedFile("capsules.png", png(320, 180), content_type="image/png"),
        hero_image_alt="Magnesium capsules on a wooden spoon",
    )
    assert (tmp_path / article.hero_image.name).is_file()
    answers = []

    def through_the_app(route):
        response = Client().get(urlsplit(route.request.url).path)
        answers.append(response)
        route.fulfill(
            status=response.status_code,
            headers=dict(response.headers),
            body=b"".join(response.streaming_content),
        )

    page.route("**/media/**", through_the_app)
    assert page.goto(article.get_absolute_url()).status == 200
    image = page.get_by_alt_text("Magnesium capsules on a wooden spoon").first
    page.wait_for_function("img => img.complete", arg=image.element_handle())
    shown = image.evaluate("img => [img.naturalWidth, img.currentSrc]")
    assert shown[0] > 0, f"the browser could not show {shown[1]}"
    assert answers, "the picture was fetched from the app"
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] in {"image/png", "image/webp", "image/jpeg"}
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
