"""Hero images are checked by content: real type, file size and pixel count."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.validators import hero_image_path, validate_hero_image
from tests.factories import ArticleFactory


def image_file(name="hero.png", size=(40, 30), image_format="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_a_real_png_is_accepted():
    validate_hero_image(image_file())


def test_a_text_file_named_like_an_image_is_refused():
    fake = SimpleUploadedFile("hero.png", b"<?php echo 'not an image'; ?>")
    with pytest.raises(ValidationError, match="not an image we can read"):
        validate_hero_image(fake)


def test_a_bitmap_is_refused_for_its_type():
    with pytest.raises(ValidationError, match="BMP images are not accepted"):
        validate_hero_image(image_file("hero.bmp", image_format="BMP"))


def test_a_gif_is_refused_as_the_help_text_says():
    with pytest.raises(ValidationError, match="GIF images are not accepted; use JPEG, PNG or WebP"):
        validate_hero_image(image_file("hero.gif", image_format="GIF"))


def test_an_oversize_file_is_refused(settings):
    settings.HERO_IMAGE_MAX_BYTES = 20
    with pytest.raises(ValidationError) as error:
        validate_hero_image(image_file())
    assert error.value.messages[0].endswith("the limit is 20\xa0bytes.")


def test_too_many_pixels_is_refused(settings):
    settings.HERO_IMAGE_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationError, match="2000×1000 pixels"):
        validate_hero_image(image_file(size=(2000, 1000)))


def test_stored_name_is_random_with_the_real_extension():
    article = ArticleFactory.build(hero_image=image_file("../../etc/passwd.gif"))
    path = hero_image_path(article, "../../etc/passwd.gif")
    assert path.startswith("articles/hero/") and path.endswith(".png")
    assert ".." not in path and "passwd" not in path
