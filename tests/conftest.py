"""Shared fixtures: an empty cache for each test, a fast password hasher, users in each role,
and the PostgreSQL-only guard."""

import os

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: pages cached by one test are not another's, since
    rolling back a test's data sends no signal that would forget them."""
    for alias in django_settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests make many users; a deliberately slow hasher would be most of their time. The
    production hashers are left as they are (hslhealing/settings.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Tests measure the views themselves (their queries, their output); the page cache in
    front of them has its own tests (tests/articles/test_page_cache.py), which turn it on."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Uploads, and the renditions made of them (the demo's hero images among them), go to a
    folder of each test's own, never to the checkout's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(django_user_model):
    """A staff member of the Editors group, with nothing but that group's permissions."""
    user = django_user_model.objects.create_user("edna", "edna@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reviewer(django_user_model):
    """A staff member of the Medical reviewers group only."""
    user = django_user_model.objects.create_user(
        "rita", "rita@example.com", "pw", is_staff=True, first_name="Rita", last_name="Reyes"
    )
    user.groups.add(Group.objects.get(name="Medical reviewers"))
    return user


@pytest.fixture
def publisher(django_user_model):
    """A staff member of the Publishers group only."""
    user = django_user_model.objects.create_user(
        "paul", "paul@example.com", "pw", is_staff=True, first_name="Paul", last_name="Park"
    )
    user.groups.add(Group.objects.get(name="Publishers"))
    return user


@pytest.fixture
def postgres(db):
    """For tests of what only PostgreSQL does (full-text search). They skip, saying why, on
    another database, unless `HSL_REQUIRE_POSTGRES=1` (CI sets it), where they fail."""
    if connection.vendor != "postgresql":
        reason = (
            f"needs PostgreSQL (the tests run on {connection.vendor}); "
            "set DATABASE_URL=postgres://… to run it"
        )
        if os.environ.get("HSL_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (HSL_REQUIRE_POSTGRES=1, so it must run)", pytrace=False)
        pytest.skip(reason)
