"""Public URLs of the reader-facing site: home, lists, search and article pages."""

from django.urls import path

from .site import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("search/", views.search, name="search"),
]
