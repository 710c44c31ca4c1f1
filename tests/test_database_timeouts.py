"""
A database that is frozen rather than down (no answer, connection open, its kernel still
acknowledging) is given up on by the client after a bounded wait, and readers get the 503 page
with Retry-After instead of a worker hanging until gunicorn kills it; the next request gets a
fresh connection.

The frozen server is stood in for by a query left waiting on a lock another connection holds,
and by a socket that accepts connections but never says a word. benchmarks/load.sh stops a real
PostgreSQL (SIGSTOP) under load to check the same thing end to end.
"""

import logging
import socket

import psycopg2
import pytest
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.urls import path

from hslhealing import database_timeouts
from hslhealing import urls as project_urls
from tests.commands import run_manage
from tests.test_settings import settings_values

FRIENDLY = "We’ll be back in a minute"
LOCK = 150_001


def lock_view(request):
    """Test-only: takes (and at once releases) the advisory lock a test may hold elsewhere."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
    return HttpResponse("got the lock")


#: The site's addresses plus the test-only one (`pytest.mark.urls("tests.test_database_timeouts")`).
urlpatterns = [path("lock/", lock_view), *project_urls.urlpatterns]


@pytest.fixture
def lock_holder(postgres):
    """A second connection to the test database holding the advisory lock `lock_view` wants."""
    holder = psycopg2.connect(**connection.get_connection_params())
    holder.autocommit = True
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK])
    yield holder
    holder.close()


def test_the_client_side_bound_is_installed_by_default():
    assert psycopg2.extensions.get_wait_callback() is database_timeouts.wait_with_deadline


@pytest.mark.urls("tests.test_database_timeouts")
@pytest.mark.django_db(transaction=True)
def test_a_query_left_without_an_answer_gets_the_503_page_then_recovers(
    lock_holder, client, settings, caplog
):
    settings.DB_CLIENT_TIMEOUT_SECONDS = 0.2

    with caplog.at_level(logging.WARNING, logger="hslhealing.middleware"):
        response = client.get("/lock/")

    # The client gave up, not PostgreSQL's statement timeout (15 s, which a frozen server
    # would never apply).
    [record] = [r for r in caplog.records if r.name == "hslhealing.middleware"]
    assert record.getMessage() == (
        "Database unavailable, answering 503 for /lock/: the database gave no answer to a "
        "query within 0.2 s (client-side timeout)"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert FRIENDLY in response.content.decode()
    assert connection.connection.closed, "the connection left waiting is closed, not reused"

    with lock_holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])
    # What Django does around every request (the test client leaves it out): a connection that
    # had an error and no longer works is replaced.
    close_old_connections()
    # The new connection waits on the abandoned one's server process to take the lock and let
    # it go: a loaded machine may take longer than the 0.2 s that made the first request fail.
    settings.DB_CLIENT_TIMEOUT_SECONDS = 10

    response = client.get("/lock/")
    assert response.status_code == 200
    assert response.content == b"got the lock"


def test_a_server_that_never_answers_a_new_connection_is_given_up(settings):
    """libpq's own connect_timeout does not apply to the non-blocking connection psycopg2 makes
    for a wait callback, so the callback keeps DB_CONNECT_TIMEOUT itself."""
    settings.DB_CONNECT_TIMEOUT = 0.2
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody answers
        port = silent.getsockname()[1]
        with pytest.raises(psycopg2.OperationalError, match="no answer to the connection"):
            # libpq's own limit, only to fail rather than hang were the callback missing.
            psycopg2.connect(
                host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=10
            )


def test_connections_carry_the_tcp_timeouts_and_keepalives(postgres):
    connection.ensure_connection()
    parameters = connection.connection.info.dsn_parameters
    assert {
        name: parameters.get(name)
        for name in [
            "tcp_user_timeout",
            "keepalives",
            "keepalives_idle",
            "keepalives_interval",
            "keepalives_count",
        ]
    } == {
        "tcp_user_timeout": "10000",
        "keepalives": "1",
        "keepalives_idle": "30",
        "keepalives_interval": "10",
        "keepalives_count": "3",
    }


def test_the_client_timeout_follows_the_statement_timeout_unless_set():
    def client_timeout(**env):
        return settings_values(["DB_CLIENT_TIMEOUT_SECONDS"], **env)["DB_CLIENT_TIMEOUT_SECONDS"]

    assert client_timeout() == 20
    assert client_timeout(DJANGO_DB_STATEMENT_TIMEOUT_MS="2500") == 8
    # No limit on statements (a long migration): none on the client either.
    assert client_timeout(DJANGO_DB_STATEMENT_TIMEOUT_MS="0") == 0
    assert client_timeout(DJANGO_DB_CLIENT_TIMEOUT_SECONDS="3") == 3


def test_no_client_timeout_leaves_psycopg2_waiting_as_it_does_by_itself():
    code = "import psycopg2.extensions; print(psycopg2.extensions.get_wait_callback() is None)"
    result = run_manage("shell", "--no-imports", "-c", code, DJANGO_DB_CLIENT_TIMEOUT_SECONDS="0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
