"""
Filters of the article list: citing retracted papers, figures not tied to a source, and
articles due for medical review.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Article


class CitesRetractedFilter(admin.SimpleListFilter):
    title = _("cites retracted papers")
    parameter_name = "cites_retracted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        retracted = Article.objects.citing_retracted().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=retracted)
        if self.value() == "no":
            return queryset.exclude(pk__in=retracted)
        return queryset


class UnlinkedFiguresFilter(admin.SimpleListFilter):
    title = _("unlinked figures")
    parameter_name = "unlinked_figures"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Yes: a figure is not linked to a reference")),
            ("no", _("No: every figure is linked")),
        ]

    def queryset(self, request, queryset):
        unlinked = Article.objects.with_unlinked_figures().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=unlinked)
        if self.value() == "no":
            return queryset.exclude(pk__in=unlinked)
        return queryset


class DueForReviewFilter(admin.SimpleListFilter):
    title = _("due for review")
    parameter_name = "due_for_review"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Yes: never reviewed, or the review is out of date")),
            ("no", _("No: reviewed recently")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.due_for_review()
        if self.value() == "no":
            return queryset.reviewed_recently()
        return queryset
