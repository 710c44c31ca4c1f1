"""The demo articles carry hero images made for the demo, each described, with renditions."""

import pytest

from articles.demo import CONTENT, DATA, load_demo
from articles.models import Article

pytestmark = pytest.mark.django_db


def test_each_demo_article_has_a_described_hero_image_with_renditions():
    load_demo()
    for entry in DATA["articles"]:
        article = Article.objects.get(slug=entry["slug"])
        assert article.hero_image_alt == entry["hero_image_alt"]
        assert article.hero is not None
        assert article.hero.open_graph_url


def test_demo_hero_images_are_small_files():
    for entry in DATA["articles"]:
        assert (CONTENT / entry["hero_image"]).stat().st_size < 150_000
