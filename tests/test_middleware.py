"""
While the database cannot be reached, readers get a friendly 503 page (never a traceback) that
tells them to come back, and the site answers normally again as soon as the database does.

The outage is simulated by making every SQL query fail the way psycopg2 does when the server is
down; benchmarks/load.sh stops a real PostgreSQL to check the same thing end to end.
"""

import logging

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.db.models.sql.compiler import SQLCompiler
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from hslhealing import urls as project_urls
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FRIENDLY = "We’ll be back in a minute"


@pytest.fixture
def article():
    return ArticleFactory()


@pytest.fixture
def break_database(monkeypatch):
    """Call with an exception: from then on every query raises it. Undo to bring it back."""

    def breaker(error):
        def execute_sql(*args, **kwargs):
            raise error

        monkeypatch.setattr(SQLCompiler, "execute_sql", execute_sql)

    breaker.undo = monkeypatch.undo
    return breaker


SERVER_DOWN = OperationalError(
    'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
)


@pytest.mark.parametrize(
    "error", [SERVER_DOWN, InterfaceError("connection already closed")], ids=type
)
def test_a_database_outage_gets_the_friendly_503_page(client, article, break_database, error):
    break_database(error)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 503
    assert [t.name for t in response.templates] == ["503.html"]
    content = response.content.decode()
    assert FRIENDLY in content and "Traceback" not in content and "5432" not in content
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"


def test_the_503_page_keeps_the_security_headers(client, article, break_database):
    break_database(SERVER_DOWN)
    response = client.get(article.get_absolute_url())
    assert response.status_code == 503
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_outage_is_logged_in_one_line(client, article, break_database, caplog):
    break_database(SERVER_DOWN)
    with caplog.at_level(logging.WARNING, logger="hslhealing.middleware"):
        client.get(article.get_absolute_url())
    [record] = [r for r in caplog.records if r.name == "hslhealing.middleware"]
    assert record.getMessage() == (
        f"Database unavailable, answering 503 for {article.get_absolute_url()}: {SERVER_DOWN}"
    )


def test_the_site_answers_again_once_the_database_is_back(client, article, break_database):
    break_database(SERVER_DOWN)
    assert client.get(article.get_absolute_url()).status_code == 503

    break_database.undo()

    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert article.title in response.content.decode()


def test_other_errors_are_still_server_errors(article, break_database):
    break_database(ValueError("a bug, not an outage"))
    response = Client(raise_request_exception=False).get(article.get_absolute_url())
    assert response.status_code == 500
    assert FRIENDLY not in response.content.decode()


class SessionStoreDownMiddleware:
    """Fails the way SessionMiddleware or AuthenticationMiddleware do when the database goes
    away: before the view runs, where no view's exception handling applies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise SERVER_DOWN


def test_an_outage_outside_the_view_gets_the_503_page_too(settings, article):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.SessionStoreDownMiddleware"]

    response = Client(raise_request_exception=False).get(article.get_absolute_url())

    assert response.status_code == 503
    assert FRIENDLY in response.content.decode()
    assert response["Retry-After"] == "30"


# A frozen database: PostgreSQL cancels a statement past DJANGO_DB_STATEMENT_TIMEOUT_MS.


def sleeping_view(request):
    """Test-only: a query that outlasts any statement timeout a test sets."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    return HttpResponse("never")


#: The site's addresses plus the test-only one (`pytest.mark.urls("tests.test_middleware")`).
urlpatterns = [path("sleep/", sleeping_view), *project_urls.urlpatterns]


def test_connections_carry_the_connect_and_statement_timeouts(postgres, settings):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["connect_timeout"] == settings.DB_CONNECT_TIMEOUT == 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("15s",)


@pytest.mark.urls("tests.test_middleware")
def test_a_statement_past_the_timeout_gets_the_503_page(postgres, client):
    with connection.cursor() as cursor:
        # The test's own transaction keeps the setting to this test.
        cursor.execute("SET LOCAL statement_timeout = 50")
    response = client.get("/sleep/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert FRIENDLY in response.content.decode()
