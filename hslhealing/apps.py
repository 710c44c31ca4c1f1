"""The project package as an app, for the work done once per process at start-up."""

from django.apps import AppConfig
from django.conf import settings

from hslhealing import database_timeouts


class HSLHealingConfig(AppConfig):
    name = "hslhealing"
    verbose_name = "HSLHealing"

    def ready(self):
        """Bound every wait for PostgreSQL on the client side (hslhealing/database_timeouts.py)."""
        if settings.DB_CLIENT_TIMEOUT_SECONDS > 0:
            database_timeouts.install()
