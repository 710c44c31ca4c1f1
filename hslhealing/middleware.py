"""
Project middleware.

- `ContentSecurityPolicyMiddleware`: django-csp's policy from `CONTENT_SECURITY_POLICY` on
  every page, with `CONTENT_SECURITY_POLICY_ADMIN_UPDATE` added under the admin URL only.
- `DatabaseUnavailableMiddleware`: while the database cannot be reached, readers get a
  friendly "back in a minute" page with status 503 and `Retry-After` instead of a server error.
  A database that hangs gets the same answer: the connect timeout and PostgreSQL's statement
  timeout (settings.DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT_MS) end the wait with an
  OperationalError (psycopg2's QueryCanceled is one), and for a server frozen outright the
  client-side bound of hslhealing/database_timeouts.py (DB_CLIENT_TIMEOUT_SECONDS) raises one.
  Django drops the broken connection at the end of the request and checks the next one before
  use (`conn_health_checks`), so the site recovers by itself once the database is back.
  `server_error` (the project's `handler500`) does the same for a database error raised outside
  a view, for example while a middleware loads the session.
"""

import logging
import sys

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views import defaults
from js_asset import Media

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The site-wide policy, with `CONTENT_SECURITY_POLICY_ADMIN_UPDATE` added under the admin URL.

    The admin's only inline script is the import map of django-prose-editor
    (`<script type="importmap">`, rendered by django-js-asset's `Media`). Rather than allowing
    every inline script, admin pages give that media this request's nonce, and the admin policy
    allows scripts carrying it ('nonce-…' in script-src).
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.update is None and is_admin_request(request):
            parts.update = settings.CONTENT_SECURITY_POLICY_ADMIN_UPDATE
        return parts

    def process_template_response(self, request, response):
        media = (response.context_data or {}).get("media")
        if isinstance(media, Media) and is_admin_request(request):
            response.context_data["media"] = media.with_nonce(str(request.csp_nonce))
        return response


def is_admin_request(request):
    return request.path.startswith(reverse("admin:index"))


def database_unavailable_response():
    """The 503 page, rendered without the request so that nothing in it can query the database."""
    try:
        body = render_to_string("503.html", {"retry_after_seconds": RETRY_AFTER_SECONDS})
        response = HttpResponse(body, status=503)
    except Exception:
        logger.exception("The 503 page could not be rendered")
        response = HttpResponse(
            "The site is briefly unavailable. Please try again in a minute.",
            content_type="text/plain; charset=utf-8",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning(
                "Database unavailable, answering 503 for %s: %s", request.path, exception
            )
            return database_unavailable_response()
        return None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """Django's 500 view, except that a database outage gets the 503 page."""
    if isinstance(sys.exception(), DATABASE_ERRORS):
        return database_unavailable_response()
    return defaults.server_error(request, template_name)
