"""
Feeds of the latest published articles: RSS 2.0 at /feed/ and Atom at /feed/atom/.

Links are made absolute from the request (`django.contrib.sites` is not installed).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from ..models import Article

FEED_LENGTH = 20


class LatestArticlesFeed(Feed):
    title = f"{settings.SITE_NAME}: latest articles"
    link = reverse_lazy("articles:home")
    description = "Evidence-first articles on nutrition, supplements and health."

    def items(self):
        return Article.objects.published().for_listing()[:FEED_LENGTH]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # Feed readers render the description as HTML; the standfirst is plain text.
        return escape(article.standfirst)

    def item_pubdate(self, article):
        return article.publish_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_author_name(self, article):
        return article.byline

    def item_categories(self, article):
        return [article.category.name]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description
