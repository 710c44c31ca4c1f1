"""
Template helpers of the editors' admin pages: the dashboard on the admin index
(articles/editing/dashboard.py builds it).
"""

from django import template

from articles.editing.dashboard import build_dashboard

register = template.Library()


@register.inclusion_tag("admin/includes/dashboard.html", takes_context=True)
def editorial_dashboard(context):
    """The signed-in user's dashboard: the panels their roles concern and others' changes."""
    request = context["request"]
    return {"request": request, **build_dashboard(request.user)}
