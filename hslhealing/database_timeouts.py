"""
A client-side bound on every wait for PostgreSQL, for a database that is frozen rather than down.

A server that is down refuses connections at once, and one that is merely slow is stopped by its
own `statement_timeout`. A frozen one (a stopped process, a stalled disk, a hung host whose
kernel still answers) does neither: the connection stays open, the kernel acknowledges every
packet, and libpq waits forever. Its TCP options cannot help there: `tcp_user_timeout` only
fires when sent data stays *unacknowledged*, and keepalive probes are answered by the kernel
too. So the bound is kept by psycopg2's documented hook for waiting, `set_wait_callback`:
`wait_with_deadline` waits on the socket as `psycopg2.extras.wait_select` does, but gives up
after `settings.DB_CLIENT_TIMEOUT_SECONDS` (`settings.DB_CONNECT_TIMEOUT` while connecting,
since libpq's own `connect_timeout` does not apply to the non-blocking connection a wait
callback makes) and raises `psycopg2.OperationalError`. psycopg2 then closes that connection;
Django turns the error into `django.db.OperationalError`, which DatabaseUnavailableMiddleware
answers with 503 and Retry-After, and replaces the closed connection on the next request.

The callback is process-wide (psycopg2 has one); `install()` is called once, from
`HSLHealingConfig.ready()`, when `DB_CLIENT_TIMEOUT_SECONDS` is above 0. The limits are read
from settings on every wait, so a test can lower them.
"""

import select
import time

import psycopg2
from django.conf import settings
from psycopg2.extensions import POLL_OK, POLL_READ, POLL_WRITE, STATUS_SETUP

EVENTS = {POLL_READ: select.POLLIN, POLL_WRITE: select.POLLOUT}


def install():
    """Make every psycopg2 connection of this process wait through `wait_with_deadline`."""
    psycopg2.extensions.set_wait_callback(wait_with_deadline)


def wait_with_deadline(conn):
    """Drive `conn` until its current operation is done, or raise OperationalError at the deadline.

    A limit of 0 (`DB_CLIENT_TIMEOUT_SECONDS` or `DB_CONNECT_TIMEOUT`) means no deadline.
    """
    connecting = conn.status == STATUS_SETUP
    limit = settings.DB_CONNECT_TIMEOUT if connecting else settings.DB_CLIENT_TIMEOUT_SECONDS
    deadline = time.monotonic() + limit if limit > 0 else None
    while True:
        state = conn.poll()
        if state == POLL_OK:
            return
        if state not in EVENTS:
            raise psycopg2.OperationalError(f"unexpected state from the connection: {state!r}")
        poller = select.poll()
        poller.register(conn.fileno(), EVENTS[state])
        if deadline is None:
            poller.poll()
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            step = "to the connection" if connecting else "to a query"
            raise psycopg2.OperationalError(
                f"the database gave no answer {step} within {limit} s (client-side timeout)"
            )
