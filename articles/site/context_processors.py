"""What every public page's header needs: the site's name and the categories to browse."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from ..models import Category
from .page_cache import FRAGMENT_CACHE_SECONDS, current_generation, local_cache


def navigation(request):
    """The site navigation's categories, lazily: they are looked up only on pages that show
    them (never in the admin), and kept in this worker's memory for the current content
    generation."""
    return {
        "site_name": settings.SITE_NAME,
        "nav_categories": SimpleLazyObject(navigation_categories),
    }


def navigation_categories():
    return local_cache.get_or_set(
        f"nav-categories:{current_generation().token}",
        lambda: list(Category.objects.with_published_articles()),
        FRAGMENT_CACHE_SECONDS,
    )
