"""
What published articles show changes only with the permission to publish: the admin side of
editing/shared_content.py, shared by the admins of references and disclaimers. A locked object
is shown read-only, with a message naming the published articles and who may change it; a
change a publisher makes is written into those articles' histories.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied

from ..editing import shared_content


class LockedWhilePublishedMixin:
    """For a ModelAdmin of something published articles show. Subclasses say which articles
    show an object (`published_articles`), the message for a locked one (`locked_message`),
    which fields readers see (`fields_readers_see`) and how a change reaches the articles'
    histories (`record_change`)."""

    fields_readers_see = []

    def published_articles(self, obj):
        raise NotImplementedError

    def locked_message(self, obj, articles):
        raise NotImplementedError

    def record_change(self, obj, fields, user):
        raise NotImplementedError

    def is_locked(self, request, obj):
        """Whether `request.user` may not change `obj`, as published articles show it."""
        return (
            obj is not None
            and obj.pk is not None
            and not shared_content.may_change_published_content(request.user)
            and self.published_articles(obj).exists()
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self.is_locked(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_locked(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if (
            request.method == "GET"
            and super().has_change_permission(request, obj)
            and self.is_locked(request, obj)
        ):
            messages.warning(request, self.locked_message(obj, self.published_articles(obj)))
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and self.is_locked(request, obj):
            raise PermissionDenied
        super().save_model(request, obj, form, change)
        seen = [name for name in form.changed_data if name in self.fields_readers_see]
        if change and seen:
            self.record_change(obj, seen, request.user)
