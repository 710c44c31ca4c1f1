"""WSGI entry point, as served by gunicorn in production (`gunicorn hslhealing.wsgi`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hslhealing.settings")

application = get_wsgi_application()
