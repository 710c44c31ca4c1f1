"""
The editors' admin (the articles app's admin, registered with Django's admin site):

- `article.py`: the article page, its changelist, exports, imports and history;
- `inlines.py`: the article's parts as inlines; `filters.py`: the article list's filters;
- `workflow.py`: the workflow as buttons; `library.py`: the reference library as the articles
  see it (a "cited by" column), replacing the references app's own registration;
- here: the small admins of what articles share (categories, tags, contributors, site pages,
  disclaimers).
"""

from django.contrib import admin

from references.models import Reference

from ..editing import shared_content
from ..models import Category, Contributor, Disclaimer, SitePage, Tag
from .article import ArticleAdmin  # noqa: F401  (registers the article admin)
from .library import CitedReferenceAdmin
from .locking import LockedWhilePublishedMixin

admin.site.unregister(Reference)
admin.site.register(Reference, CitedReferenceAdmin)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials"]
    search_fields = ["name", "credentials"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Disclaimer)
class DisclaimerAdmin(LockedWhilePublishedMixin, admin.ModelAdmin):
    list_display = ["name", "title", "is_default", "position"]
    list_editable = ["position"]
    search_fields = ["name", "title"]

    # A disclaimer published articles show changes only with the permission to publish; each
    # change is written into those articles' histories (editing/shared_content.py).

    fields_readers_see = shared_content.DISCLAIMER_FIELDS_READERS_SEE

    def published_articles(self, disclaimer):
        return shared_content.published_articles_showing(disclaimer)

    def locked_message(self, disclaimer, articles):
        return shared_content.locked_disclaimer_message(disclaimer, articles)

    def record_change(self, disclaimer, fields, user):
        shared_content.disclaimer_changed(disclaimer=disclaimer, fields=fields, user=user)
