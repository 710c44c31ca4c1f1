"""What every public page's header needs: the site's name and the categories to browse."""

from django.conf import settings

from .models import Category


def navigation(request):
    """The lazy category list of the site navigation: its query runs only on pages that show it
    (never in the admin)."""
    return {
        "site_name": settings.SITE_NAME,
        "nav_categories": Category.objects.with_published_articles(),
    }
