"""Public URLs of the reader-facing site: home, lists, search, articles, people and site pages."""

from django.urls import path

from .models import SitePage
from .site import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("search/", views.search, name="search"),
    path("contributors/<slug:slug>/", views.contributor_detail, name="contributor"),
    path(
        "contributors/<slug:slug>/written/",
        views.contributor_articles,
        {"role": "written"},
        name="contributor-written",
    ),
    path(
        "contributors/<slug:slug>/reviewed/",
        views.contributor_articles,
        {"role": "reviewed"},
        name="contributor-reviewed",
    ),
    path(
        "editorial-policy/",
        views.site_page,
        {"slug": SitePage.EDITORIAL_POLICY},
        name="editorial-policy",
    ),
    path("pages/<slug:slug>/", views.site_page, name="page"),
]
