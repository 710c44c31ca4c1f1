"""
The sitemap at /sitemap.xml: the home page and article list, every category with articles,
every published article with the time it last changed, the page of every contributor named on
a published article, and the site pages (the editorial policy) with the time they last changed.

Absolute URLs come from the request (`django.contrib.sites` is not installed), so the sitemap
names whichever host and scheme it was fetched from.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from ..models import Article, Category, Contributor, SitePage


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["articles:home", "articles:list"]

    def location(self, item):
        return reverse(item)


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Category.objects.with_published_articles()


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class ContributorSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self):
        # A list, not a queryset: one query, where the sitemap's paginator would count first.
        return list(Contributor.objects.named_on_published_articles().only("slug"))


class SitePageSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self):
        return list(SitePage.objects.only("slug", "updated_at"))

    def lastmod(self, site_page):
        return site_page.updated_at


SITEMAPS = {
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "articles": ArticleSitemap,
    "contributors": ContributorSitemap,
    "site-pages": SitePageSitemap,
}
