"""
The editors' desk: what the admin index shows each role, and the changelist filters it links to.

Each panel is a named list of articles (a QuerySet method or a filter of the article changelist),
shown to the roles it concerns, and linked to the changelist filtered the same way, so "3 more"
is one click away. The whole dashboard costs a fixed number of queries whatever the number of
articles: one query counts every panel (conditional aggregates), one query per shown panel reads
its first few rows, and one query reads the recent changes by others (django-reversion).

Reference problems (`REFERENCE_PROBLEMS`) are a registry: broken or unreachable links, links
never checked, papers retracted, under an expression of concern or corrected (the library's
`notice_status`, re-checked by `refresh_references`), and papers whose record was never fetched
(an identifier and no bibliographic details). A new entry (label and condition on the citation)
is enough: the dashboard panel, the changelist filter and its counts follow.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from references.models import NEEDS_ATTENTION, LinkStatus, NoticeStatus, Reference

from ..models import Article, Citation
from ..models.article import review_due_before

#: Rows shown per panel; the panel's link leads to all of them.
PANEL_ROWS = 5
#: Recent changes by others shown.
RECENT_CHANGES = 8

#: What can be wrong with a cited reference: {name: (label, condition on the Citation)}; the
#: panel, its count and the changelist filter follow this registry.
REFERENCE_PROBLEMS = {
    "broken": (_("a broken or unreachable link"), Q(reference__link_status__in=NEEDS_ATTENTION)),
    "unchecked": (_("a link never checked"), Q(reference__link_status=LinkStatus.UNCHECKED)),
    "retracted": (_("a retracted paper"), Q(reference__notice_status=NoticeStatus.RETRACTED)),
    "concern": (
        _("an expression of concern"),
        Q(reference__notice_status=NoticeStatus.CONCERN),
    ),
    "corrected": (_("a correction"), Q(reference__notice_status=NoticeStatus.CORRECTED)),
    "unfetched": (
        _("an identifier whose details were never fetched"),
        Q(reference__in=Reference.objects.unfetched()),
    ),
}
#: The changelist filter's value for "any of REFERENCE_PROBLEMS".
ANY_PROBLEM = "any"


def cites_problem_references(problems=None):
    """A condition on articles: they cite at least one reference with one of `problems` (names
    in REFERENCE_PROBLEMS; all of them when None)."""
    condition = Q()
    for name in REFERENCE_PROBLEMS if problems is None else problems:
        condition |= REFERENCE_PROBLEMS[name][1]
    return Q(Exists(Citation.objects.filter(condition, article=OuterRef("pk"))))


def edited_by(user):
    """A condition on articles: `user` saved a version of them (django-reversion history)."""
    versions = Version.objects.get_for_model(Article).filter(
        revision__user=user, object_id=Cast(OuterRef("pk"), output_field=Version.object_id.field)
    )
    return Q(Exists(versions))


# Changelist filters the panels link to (registered in ArticleAdmin.list_filter).


class EditedByFilter(admin.SimpleListFilter):
    """Articles the signed-in user saved a version of (``?edited_by=me``)."""

    title = _("edited by")
    parameter_name = "edited_by"

    def lookups(self, request, model_admin):
        return [("me", _("me"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(edited_by(request.user))
        return queryset


class ScheduleFilter(admin.SimpleListFilter):
    """Published articles already live, or waiting for their publish time (``?schedule=…``)."""

    title = _("going live")
    parameter_name = "schedule"

    def lookups(self, request, model_admin):
        return [("scheduled", _("scheduled, not live yet")), ("live", _("live now"))]

    def queryset(self, request, queryset):
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "live":
            return queryset.published()
        return queryset


class ReferenceProblemFilter(admin.SimpleListFilter):
    """Articles citing a reference with a problem (``?reference_problem=broken``)."""

    title = _("cites a reference with")
    parameter_name = "reference_problem"

    def lookups(self, request, model_admin):
        problems = [(name, label) for name, (label, _condition) in REFERENCE_PROBLEMS.items()]
        return [(ANY_PROBLEM, _("any of these problems")), *problems]

    def queryset(self, request, queryset):
        if self.value() == ANY_PROBLEM:
            return queryset.filter(cites_problem_references())
        if self.value() in REFERENCE_PROBLEMS:
            return queryset.filter(cites_problem_references([self.value()]))
        return queryset


# Panels.


def _is_editor(user):
    return user.has_perm("articles.change_article")


def _is_reviewer(user):
    return user.has_perm("articles.review_article")


def _is_publisher(user):
    return user.has_perm("articles.publish_article")


@dataclass
class Panel:
    """One list on the dashboard. `condition(user)` selects its articles; `params` filter the
    changelist the same way; `order` lists the most urgent first."""

    name: str
    title: str
    explanation: str
    condition: object
    params: dict
    order: list
    shown_to: object
    #: The date shown beside each article (and what "how long" is measured from).
    when: str = "updated_at"
    count: int = 0
    articles: list = field(default_factory=list)

    @property
    def url(self):
        return f"{reverse('admin:articles_article_changelist')}?{urlencode(self.params)}"

    @property
    def more(self):
        return max(0, self.count - len(self.articles))


def _status(value):
    return Q(status=value)


def panels_for(user):
    """The panels `user`'s roles concern, in the order of the working day."""
    in_review = Article.Status.IN_REVIEW
    review_due = Q(reviewed_on__isnull=True) | Q(reviewed_on__lt=review_due_before())
    panels = [
        Panel(
            name="my_drafts",
            title=_("My drafts"),
            explanation=_("Drafts you have saved; submit them for review when they are ready."),
            condition=lambda user: _status(Article.Status.DRAFT) & edited_by(user),
            params={"status__exact": "draft", "edited_by": "me"},
            order=["-updated_at"],
            shown_to=_is_editor,
        ),
        Panel(
            name="waiting_for_review",
            title=_("Waiting for medical review"),
            explanation=_(
                "In review with no medical review recorded, or an out-of-date one; the longest "
                "waiting first (time since the article was last saved)."
            ),
            condition=lambda user: _status(in_review) & review_due,
            params={"status__exact": "in_review", "due_for_review": "yes"},
            order=["updated_at"],
            shown_to=lambda user: _is_reviewer(user) or _is_editor(user),
        ),
        Panel(
            name="ready_to_publish",
            title=_("Ready to publish"),
            explanation=_("In review, with a recent medical review recorded."),
            condition=lambda user: _status(in_review) & ~review_due,
            params={"status__exact": "in_review", "due_for_review": "no"},
            order=["updated_at"],
            shown_to=_is_publisher,
        ),
        Panel(
            name="scheduled",
            title=_("Scheduled next"),
            explanation=_("Published articles waiting for their publish time, soonest first."),
            condition=lambda user: (
                _status(Article.Status.PUBLISHED) & Q(publish_at__gt=timezone.now())
            ),
            params={"schedule": "scheduled"},
            order=["publish_at"],
            shown_to=_is_publisher,
            when="publish_at",
        ),
        Panel(
            name="due_for_review",
            title=_("Due for medical review"),
            explanation=_(
                "Published articles never reviewed, or reviewed more than %(months)s months ago; "
                "the oldest review first."
            )
            % {"months": settings.REVIEW_DUE_MONTHS},
            condition=lambda user: _status(Article.Status.PUBLISHED) & review_due,
            params={"status__exact": "published", "due_for_review": "yes"},
            order=["reviewed_on", "publish_at"],
            shown_to=lambda user: _is_reviewer(user) or _is_publisher(user),
            when="reviewed_on",
        ),
        Panel(
            name="reference_problems",
            title=_("Citing references with problems"),
            explanation=_(
                "Articles citing a reference whose link is broken or never checked, a paper "
                "retracted, corrected or under an expression of concern, or a paper whose "
                "details were never fetched."
            ),
            condition=lambda user: cites_problem_references(),
            params={"reference_problem": ANY_PROBLEM},
            order=["-updated_at"],
            shown_to=lambda user: _is_editor(user) or _is_publisher(user),
        ),
    ]
    return [panel for panel in panels if panel.shown_to(user)]


def build_dashboard(user):
    """The panels for `user`, counted and filled, and the recent changes by others."""
    panels = panels_for(user)
    if not panels:
        return {"panels": [], "recent_changes": recent_changes_by_others(user)}
    counts = Article.objects.aggregate(
        **{panel.name: Count("pk", filter=panel.condition(user)) for panel in panels}
    )
    for panel in panels:
        panel.count = counts[panel.name]
        if panel.count:
            articles = Article.objects.filter(panel.condition(user)).order_by(*panel.order)
            panel.articles = list(
                articles.only("pk", "title", "status", "updated_at", "publish_at", "reviewed_on")[
                    :PANEL_ROWS
                ]
            )
    return {"panels": panels, "recent_changes": recent_changes_by_others(user)}


def recent_changes_by_others(user, limit=RECENT_CHANGES):
    """The newest article versions saved by someone other than `user`, with who and when."""
    versions = (
        Version.objects.get_for_model(Article)
        .exclude(revision__user=user)
        .select_related("revision__user")
        .only(
            "object_id",
            "object_repr",
            "revision__date_created",
            "revision__comment",
            "revision__user__username",
            "revision__user__first_name",
            "revision__user__last_name",
        )
        .order_by("-revision__date_created", "-pk")[:limit]
    )
    return list(versions)
