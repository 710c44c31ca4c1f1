"""System checks of the articles app (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"


@register(Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Cached pages and page fragments are filed under a content generation kept in the cache
    (articles/site/page_cache.py). In each process's own memory, a change handled by one gunicorn
    worker would start a new generation in that worker only: the others would go on showing
    what they cached before."""
    if settings.CACHES["default"]["BACKEND"] == LOCAL_MEMORY_CACHE:
        return [
            Warning(
                "The cache is each process's local memory: with several workers, a change "
                "saved through one of them is not seen by the others' cached pages.",
                hint="Set REDIS_URL (or CACHE_URL) to a Redis server all workers share.",
                id="articles.W001",
            )
        ]
    return []
