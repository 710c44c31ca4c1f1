"""System checks of the articles app (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"


@register(Tags.caches, deploy=True)
def check_page_cache_is_shared(app_configs, **kwargs):
    """A page cache in each process's own memory cannot be told when content changes elsewhere:
    a publish handled by one gunicorn worker would show on the others only once their copies
    expire."""
    if (
        settings.PAGE_CACHE_SECONDS > 0
        and settings.CACHES["default"]["BACKEND"] == LOCAL_MEMORY_CACHE
    ):
        return [
            Warning(
                "The page cache is kept in each process's local memory, so with several "
                "workers a change shows on all of them only after DJANGO_PAGE_CACHE_SECONDS.",
                hint="Set REDIS_URL (or CACHE_URL), or DJANGO_PAGE_CACHE_SECONDS=0.",
                id="articles.W001",
            )
        ]
    return []
