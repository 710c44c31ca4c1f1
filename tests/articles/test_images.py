"""
Images done properly: renditions made when an image is saved (sizes in WebP and JPEG, a
1,200×630 link-preview card), stored through the field's storage, and pages that serve them
with `<picture>`, `srcset`, `sizes`, width and height, eager for the hero and lazy elsewhere.
"""

import io
import json
import re

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from articles.models import Article, Contributor
from tests.factories import ArticleFactory, ContributorFactory

pytestmark = pytest.mark.django_db

ALT = "Green and blue waves across a pale background"


def upload(size, image_format="PNG", name="picture.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 120, 90)).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


def stored_image(storage, name):
    with storage.open(name) as file, Image.open(file) as image:
        image.load()
        return image.format, image.size


def article_with_hero(size=(2000, 1000), **fields):
    return ArticleFactory(hero_image=upload(size), hero_image_alt=ALT, **fields)


def test_saving_a_hero_image_makes_each_width_in_webp_and_jpeg():
    article = article_with_hero()
    formats = article.hero_renditions["formats"]
    storage = article.hero_image.storage
    for mime, pillow_format in (("image/webp", "WEBP"), ("image/jpeg", "JPEG")):
        assert [width for width, _name in formats[mime]] == [480, 800, 1200, 1600]
        for width, name in formats[mime]:
            assert stored_image(storage, name) == (pillow_format, (width, width // 2))


def test_the_manifest_is_stored_with_the_article():
    article = article_with_hero()
    stored = Article.objects.get(pk=article.pk).hero_renditions
    assert stored == article.hero_renditions
    assert stored["source"] == article.hero_image.name


def test_a_small_image_is_never_enlarged():
    article = article_with_hero(size=(600, 400))
    widths = [width for width, _name in article.hero_renditions["formats"]["image/jpeg"]]
    assert widths == [480, 600]


def test_the_open_graph_card_is_1200_by_630_whatever_the_upload():
    for size in ((2000, 1000), (500, 900)):
        article = article_with_hero(size=size)
        card = article.hero_renditions["open_graph"]
        assert stored_image(article.hero_image.storage, card) == ("JPEG", (1200, 630))


def test_transparency_is_laid_over_white():
    buffer = io.BytesIO()
    Image.new("RGBA", (500, 300), (0, 0, 0, 0)).save(buffer, "PNG")
    article = ArticleFactory(
        hero_image=SimpleUploadedFile("clear.png", buffer.getvalue()), hero_image_alt=ALT
    )
    name = article.hero_renditions["formats"]["image/jpeg"][0][1]
    with article.hero_image.storage.open(name) as file, Image.open(file) as image:
        assert image.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_saving_again_without_a_new_image_makes_nothing_again(monkeypatch):
    article = article_with_hero()
    made = []
    monkeypatch.setattr("articles.renditions.make_renditions", lambda *a, **k: made.append(a))
    article.title = "A new title"
    article.save()
    assert made == []


def test_a_replaced_image_gets_new_renditions_and_a_removed_one_none():
    article = article_with_hero()
    article.hero_image = upload((900, 900))
    article.save()
    assert article.hero_renditions["source"] == article.hero_image.name
    assert article.hero.width == article.hero.height == 900
    article.hero_image = ""
    article.hero_image_alt = ""
    article.save()
    assert Article.objects.get(pk=article.pk).hero_renditions == {}
    assert article.hero is None


def test_renditions_are_written_through_the_fields_storage(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    article = article_with_hero()
    storage = article.hero_image.storage
    assert isinstance(storage, InMemoryStorage)
    for _width, name in article.hero_renditions["formats"]["image/webp"]:
        assert storage.exists(name)
    assert article.hero.open_graph_url == storage.url(article.hero_renditions["open_graph"])


def test_rendition_files_carry_their_content_type_for_s3(monkeypatch):
    saved = {}
    article = article_with_hero()
    storage = article.hero_image.storage

    def remember(name, content, **kwargs):
        saved[name] = content.content_type
        return name

    monkeypatch.setattr(storage, "save", remember)
    article.make_hero_renditions(force=True)
    assert {saved[name] for _w, name in article.hero_renditions["formats"]["image/webp"]} == {
        "image/webp"
    }
    assert saved[article.hero_renditions["open_graph"]] == "image/jpeg"


def picture_of(content, css_class):
    match = re.search(rf'<picture>(?:(?!</picture>).)*class="{css_class}".*?</picture>', content)
    assert match, f"no <picture> with an image of class {css_class}"
    return match.group(0)


def test_article_page_serves_the_hero_as_a_picture_with_srcset_sizes_width_and_height(client):
    article = article_with_hero()
    content = client.get(article.get_absolute_url()).content.decode()
    picture = picture_of(content, "hero")
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">', picture)
    assert webp and webp.group(2)
    assert [entry.split()[1] for entry in webp.group(1).split(", ")] == [
        "480w",
        "800w",
        "1200w",
        "1600w",
    ]
    image = re.search(r"<img [^>]*>", picture).group(0)
    assert 'width="1600" height="800"' in image
    assert re.search(r'srcset="[^"]+\.jpg 480w, [^"]+\.jpg 800w', image)
    assert f'alt="{ALT}"' in image


def test_the_hero_is_fetched_at_once_and_first(client):
    article = article_with_hero()
    image = re.search(
        r'<img class="hero"[^>]*>', client.get(article.get_absolute_url()).content.decode()
    )
    assert 'loading="eager"' in image.group(0) and 'fetchpriority="high"' in image.group(0)


def test_card_images_are_lazy_except_the_first_featured_on_the_home_page(client):
    article_with_hero(featured=True, title="Lead")
    article_with_hero(title="Other")
    content = client.get("/").content.decode()
    cards = re.findall(r'<img class="card-image"[^>]*>', content)
    assert len(cards) == 2
    assert 'loading="eager"' in cards[0] and 'loading="lazy"' in cards[1]
    assert all('alt=""' in card and "width=" in card and "height=" in card for card in cards)
    listed = client.get("/articles/").content.decode()
    assert all(
        'loading="lazy"' in card for card in re.findall(r'<img class="card-image"[^>]*>', listed)
    )


def test_open_graph_twitter_and_json_ld_name_the_1200_by_630_card(client):
    article = article_with_hero()
    content = client.get(article.get_absolute_url()).content.decode()
    card = "http://testserver" + article.hero.open_graph_url
    assert f'<meta property="og:image" content="{card}">' in content
    assert '<meta property="og:image:width" content="1200">' in content
    assert '<meta property="og:image:height" content="630">' in content
    assert f'<meta name="twitter:image" content="{card}">' in content
    assert '<meta name="twitter:card" content="summary_large_image">' in content
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S).group(1)
    )
    assert data["image"][0] == {"@type": "ImageObject", "url": card, "width": 1200, "height": 630}
    assert data["image"][1]["width"] == 1600 and data["image"][1]["height"] == 800


def test_an_image_without_renditions_yet_is_shown_as_uploaded(client):
    article = article_with_hero()
    Article.objects.filter(pk=article.pk).update(hero_renditions={})
    content = client.get(article.get_absolute_url()).content.decode()
    assert f'<img class="hero" src="{article.hero_image.url}" alt="{ALT}">' in content
    assert "<picture>" not in content


def test_contributor_photo_gets_renditions_and_a_picture(client):
    person = ContributorFactory(photo=upload((600, 800)))
    widths = [width for width, _name in person.photo_renditions["formats"]["image/webp"]]
    assert widths == [160, 320, 480]
    content = client.get(person.get_absolute_url()).content.decode()
    picture = picture_of(content, "profile-photo")
    assert 'sizes="8rem"' in picture and 'width="480" height="640"' in picture
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', content, re.S).group(1)
    )
    assert data["mainEntity"]["image"]["width"] == 480


def test_make_renditions_makes_those_missing_and_says_how_many(capsys):
    article = article_with_hero()
    person = ContributorFactory(photo=upload((300, 300)))
    Article.objects.filter(pk=article.pk).update(hero_renditions={})
    Contributor.objects.filter(pk=person.pk).update(photo_renditions={})
    call_command("make_renditions", "--dry-run")
    assert "2 of 2 images need renditions; none made." in capsys.readouterr().out
    assert Article.objects.get(pk=article.pk).hero_renditions == {}
    call_command("make_renditions")
    assert "Renditions made for 2 images." in capsys.readouterr().out
    assert Article.objects.get(pk=article.pk).hero_renditions["source"] == article.hero_image.name
    assert Contributor.objects.get(pk=person.pk).photo_renditions["source"] == person.photo.name
    call_command("make_renditions")
    assert "Renditions made for 0 images." in capsys.readouterr().out


def test_make_renditions_names_images_it_cannot_read_in_one_line():
    article = article_with_hero()
    article.hero_image.storage.delete(article.hero_image.name)
    with pytest.raises(CommandError) as error:
        call_command("make_renditions", "--all")
    message = str(error.value)
    assert "\n" not in message
    assert f"1 could not be read: {article.hero_image.name}." in message
