"""App configuration for articles."""

from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers the checks and the receivers)
