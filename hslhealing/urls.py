"""Root URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import index as sitemap_index
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path

from articles.site.feeds import LatestArticlesAtomFeed, LatestArticlesFeed
from articles.site.sitemaps import SITEMAPS
from articles.site.views import robots_txt, sitemap_section
from hslhealing.media import serve_media

admin.site.site_header = "HSLHealing editorial"
admin.site.site_title = "HSLHealing admin"
admin.site.index_title = "Content"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the pages link to: send them to the site's icon."""
    return HttpResponsePermanentRedirect(static_url("img/favicon.svg"))


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
    path("favicon.ico", favicon, name="favicon"),
    # Home, /articles/, /categories/, /tags/ and /search/ (see articles/urls.py).
    path("", include("articles.urls")),
]
# Uploads: served by the app when DJANGO_SERVE_MEDIA is on (the single-server setup); else by
# S3 or a web server in front, or by Django's development helper with DEBUG on.
if settings.SERVE_MEDIA:
    media = f"{settings.MEDIA_URL.lstrip('/')}<path:path>"
    urlpatterns.append(path(media, serve_media, name="media"))
else:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# A database outage raised outside a view still gets the friendly 503 page.
handler500 = "hslhealing.middleware.server_error"
