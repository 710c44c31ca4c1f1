"""
The editors' admin (the articles app's admin, registered with Django's admin site):

- `article.py`: the article page, its changelist, exports, imports and history;
- `inlines.py`: the article's parts as inlines; `filters.py`: the article list's filters;
- `workflow.py`: the workflow as buttons; `library.py`: the reference library as the articles
  see it (a "cited by" column), replacing the references app's own registration;
- here: the small admins of what articles share (categories, tags, contributors, site pages,
  disclaimers).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied

from references.models import Reference

from ..editing import shared_content
from ..models import Category, Contributor, Disclaimer, SitePage, Tag
from .article import ArticleAdmin  # noqa: F401  (registers the article admin)
from .library import CitedReferenceAdmin

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
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_default", "position"]
    list_editable = ["position"]
    search_fields = ["name", "title"]

    # A disclaimer published articles show changes only with the permission to publish; each
    # change is written into those articles' histories (editing/shared_content.py).

    def is_locked(self, request, disclaimer):
        return (
            disclaimer is not None
            and disclaimer.pk is not None
            and not shared_content.may_change_published_content(request.user)
            and shared_content.published_articles_showing(disclaimer).exists()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.is_locked(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_locked(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        disclaimer = self.get_object(request, unquote(object_id))
        if (
            request.method == "GET"
            and super().has_change_permission(request, disclaimer)
            and self.is_locked(request, disclaimer)
        ):
            articles = shared_content.published_articles_showing(disclaimer)
            messages.warning(
                request, shared_content.locked_disclaimer_message(disclaimer, articles)
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and self.is_locked(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        seen = [
            name
            for name in form.changed_data
            if name in shared_content.DISCLAIMER_FIELDS_READERS_SEE
        ]
        if change and seen:
            shared_content.disclaimer_changed(disclaimer=obj, fields=seen, user=request.user)
