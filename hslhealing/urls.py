"""Root URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.urls import include, path

from articles.site.feeds import LatestArticlesAtomFeed, LatestArticlesFeed
from articles.site.sitemaps import SITEMAPS
from articles.site.views import robots_txt, sitemap_section

admin.site.site_header = "HSLHealing editorial"
admin.site.site_title = "HSLHealing admin"
admin.site.index_title = "Content"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
    # The index names a page of a section per 10,000 addresses (articles/site/sitemaps.py).
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_section, name="sitemap-section"),
    path("feed/", LatestArticlesFeed(), name="feed"),
    path("feed/atom/", LatestArticlesAtomFeed(), name="feed-atom"),
    path("robots.txt", robots_txt, name="robots"),
    # Home, /articles/, /categories/, /tags/ and /search/ (see articles/urls.py).
    path("", include("articles.urls")),
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

# A database outage raised outside a view still gets the friendly 503 page.
handler500 = "hslhealing.middleware.server_error"
