"""
Optional read replica: anonymous readers' page views read from it, everything else from the
primary.

With `DATABASE_REPLICA_URL` set, `ReplicaForReadersMiddleware` marks each safe (GET/HEAD)
request from an anonymous visitor outside the admin, and `PrimaryReplicaRouter` sends that
request's reads to the `replica` database. Editors, the admin, every write and every read
inside a write never touch the replica, so an editor never reads their own edit back from a
replica that has not caught up yet.
"""

from contextvars import ContextVar

from django.urls import reverse

_reads_from_replica = ContextVar("reads_from_replica", default=False)

REPLICA = "replica"


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _reads_from_replica.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaForReadersMiddleware:
    """Route the reads of anonymous, safe, public requests to the replica."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        use_replica = (
            request.method in ("GET", "HEAD")
            and not request.user.is_authenticated
            and not request.path.startswith(self.admin_prefix)
        )
        token = _reads_from_replica.set(use_replica)
        try:
            return self.get_response(request)
        finally:
            _reads_from_replica.reset(token)
