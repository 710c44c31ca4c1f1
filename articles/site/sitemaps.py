"""
The sitemaps: an index at /sitemap.xml naming one sitemap per section (`SITEMAPS`), and each
section at /sitemap-<section>.xml, split into pages of at most `SECTION_LIMIT` addresses
(`?p=2` …): the home page and article list, every category with articles, every published
article with the time it last changed, the page of every contributor named on a published
article, and the site pages (the editorial policy) with the time they last changed.

The articles section is paged by id, not by position: page n holds the published articles whose
id lies in ((n - 1) × limit, n × limit]. Each page is then one range scan of the primary key
that reads at most `limit` rows, however many articles there are (an OFFSET would read every
row before the page), each article is on exactly one page, and a page changes only when one of
its own articles does, so `sitemap_section` (views.py) can keep each page until then. A page
whose articles were all deleted or unpublished is empty, which sitemaps allow.

Absolute URLs come from the request (`django.contrib.sites` is not installed), so the sitemaps
name whichever host and scheme they were fetched from.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Count, Max
from django.urls import reverse

from ..models import Article, Category, Contributor, SitePage

#: Addresses per sitemap page: Google reads up to 50,000, smaller pages are quicker to build.
SECTION_LIMIT = 10_000


class PageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["articles:home", "articles:list"]

    def location(self, item):
        return reverse(item)

    def fingerprint(self, page):
        """Nothing to keep apart from the page cache: two fixed addresses."""
        return None


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Category.objects.with_published_articles()

    def fingerprint(self, page):
        """Categories are few; they are kept by the page cache only."""
        return None


class ArticlesByIdRange:
    """The published articles as the sitemap paginator sees them: a sequence as long as the
    highest published id, whose slice [start:stop] is the published articles with ids in
    (start, stop]. `Paginator` asks only for `count()` and slices."""

    def __init__(self, articles):
        self.articles = articles

    def count(self):
        highest = self.articles.order_by("-pk").values_list("pk", flat=True).first()
        return highest or 0

    def __getitem__(self, ids):
        return list(self.articles.filter(pk__gt=ids.start, pk__lte=ids.stop).order_by("pk"))

    def page(self, number, limit):
        """The articles of page `number` (from 1), unevaluated, for aggregates."""
        return self.articles.filter(pk__gt=(number - 1) * limit, pk__lte=number * limit)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    limit = SECTION_LIMIT

    def items(self):
        return ArticlesByIdRange(Article.objects.published().only("slug", "updated_at"))

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        """The last change to any published article (the index's `lastmod`): one step down the
        index on `updated_at`, where Django's default would read every article."""
        latest = Article.objects.published().order_by("-updated_at")
        return latest.values_list("updated_at", flat=True).first()

    def fingerprint(self, page):
        """What changes when an article of page `page` is published, unpublished, edited or
        deleted, or a scheduled one goes live: how many it lists and their last change."""
        return tuple(
            self.items()
            .page(page, self.limit)
            .aggregate(count=Count("pk"), changed=Max("updated_at"))
            .values()
        )


class ContributorSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self):
        # A list, not a queryset: one query, where the sitemap's paginator would count first.
        return list(Contributor.objects.named_on_published_articles().only("slug"))

    def fingerprint(self, page):
        """Contributors are few; they are kept by the page cache only."""
        return None


class SitePageSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self):
        return list(SitePage.objects.only("slug", "updated_at"))

    def lastmod(self, site_page):
        return site_page.updated_at

    def fingerprint(self, page):
        """Site pages are few; they are kept by the page cache only."""
        return None


SITEMAPS = {
    "pages": PageSitemap,
    "categories": CategorySitemap,
    "articles": ArticleSitemap,
    "contributors": ContributorSitemap,
    "site-pages": SitePageSitemap,
}
