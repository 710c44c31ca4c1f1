"""Running on several machines: read replica routing, Redis cache and sessions, S3 media."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import RequestFactory
from django_redis.cache import RedisCache

from hslhealing import db_router

ROOT = Path(__file__).resolve().parent.parent


def settings_in_subprocess(expression, **env):
    """Evaluate `expression` against django.conf.settings with the given environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HSL_"))}
    environment = {
        k: v for k, v in environment.items() if k not in ("CACHE_URL", "REDIS_URL")
    } | env
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment | {"DJANGO_SETTINGS_MODULE": "hslhealing.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


class TestReplicaRouting:
    def reads_during(self, request):
        seen = {}

        def view(request):
            seen["db"] = db_router.PrimaryReplicaRouter().db_for_read(None)
            return None

        db_router.ReplicaForReadersMiddleware(view)(request)
        return seen["db"]

    def request(self, method="get", path="/articles/", user=None):
        request = getattr(RequestFactory(), method)(path)
        request.user = user or AnonymousUser()
        return request

    def test_anonymous_page_views_read_from_the_replica(self):
        assert self.reads_during(self.request()) == "replica"

    @pytest.mark.django_db
    def test_signed_in_users_read_from_the_primary(self, admin_user):
        assert self.reads_during(self.request(user=admin_user)) == "default"

    def test_the_admin_and_writes_read_from_the_primary(self):
        assert self.reads_during(self.request(path="/admin/login/")) == "default"
        assert self.reads_during(self.request(method="post")) == "default"

    def test_writes_and_migrations_always_go_to_the_primary(self):
        router = db_router.PrimaryReplicaRouter()
        assert router.db_for_write(None) == "default"
        assert router.allow_migrate("default", "articles") is True
        assert router.allow_migrate("replica", "articles") is False

    def test_outside_a_request_reads_use_the_primary(self):
        assert db_router.PrimaryReplicaRouter().db_for_read(None) == "default"

    @pytest.mark.subprocess
    def test_replica_url_configures_the_router(self):
        result = settings_in_subprocess(
            "[sorted(settings.DATABASES), settings.DATABASE_ROUTERS, "
            "'hslhealing.db_router.ReplicaForReadersMiddleware' in settings.MIDDLEWARE]",
            DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/hslhealing",
        )
        assert json.loads(result.stdout) == [
            ["default", "replica"],
            ["hslhealing.db_router.PrimaryReplicaRouter"],
            True,
        ]


class TestCacheConfiguration:
    @pytest.mark.subprocess
    def test_redis_url_selects_django_redis_and_cached_sessions(self):
        """django-redis, which reuses its redis-py clients (README, "Stack")."""
        result = settings_in_subprocess(
            "[settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE]",
            REDIS_URL="redis://127.0.0.1:6379/1",
        )
        assert json.loads(result.stdout) == [
            "django_redis.cache.RedisCache",
            "django.contrib.sessions.backends.cached_db",
        ]

    @pytest.mark.subprocess
    def test_without_a_cache_url_local_memory_is_used(self):
        result = settings_in_subprocess("settings.CACHES['default']['BACKEND']")
        assert json.loads(result.stdout) == "django.core.cache.backends.locmem.LocMemCache"

    @pytest.mark.subprocess
    def test_a_cache_url_that_is_not_redis_is_refused_in_one_line(self):
        result = settings_in_subprocess("1", CACHE_URL="memcached://127.0.0.1:11211")
        assert result.returncode != 0
        assert result.stderr.strip().splitlines() == [
            "CACHE_URL must be a redis://, rediss:// or unix:// URL "
            "(got 'memcached://127.0.0.1:11211')."
        ]

    def test_the_configured_cache_round_trips(self):
        """In CI this suite runs once with REDIS_URL set, so this proves the Redis path."""
        if os.environ.get("HSL_REQUIRE_REDIS") and not isinstance(caches["default"], RedisCache):
            pytest.fail("HSL_REQUIRE_REDIS is set but the cache is not Redis.")
        caches["default"].set("scale-out-check", {"ok": 1}, 30)
        assert caches["default"].get("scale-out-check") == {"ok": 1}
        assert caches["default"].get_many(["scale-out-check"]) == {"scale-out-check": {"ok": 1}}

    def test_the_redis_backend_reuses_one_client_per_server(self):
        """No `redis.Redis` is built per cache call (it cost more than the round trip)."""
        cache = RedisCache("redis://127.0.0.1:6379/1", {})
        client = cache.client.get_client(write=True)
        assert cache.client.get_client(write=False) is client


@pytest.mark.subprocess
def test_s3_bucket_moves_uploads_to_s3_compatible_storage():
    result = settings_in_subprocess(
        "[settings.STORAGES['default']['BACKEND'], "
        "__import__('django.core.files.storage').core.files.storage.default_storage"
        ".url('articles/hero/a.png')]",
        HSL_MEDIA_S3_BUCKET="hsl-media",
        HSL_MEDIA_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        HSL_MEDIA_S3_CUSTOM_DOMAIN="media.example.com",
    )
    assert json.loads(result.stdout) == [
        "storages.backends.s3.S3Storage",
        "https://media.example.com/media/articles/hero/a.png",
    ]
