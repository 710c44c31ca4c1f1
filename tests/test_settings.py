"""
Production settings refuse to start without the values production cannot do without, and with
the documented production variables set they pass Django's deployment checklist.
"""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.commands import ROOT, run_manage

pytestmark = pytest.mark.subprocess  # each test starts manage.py: settings are read at start

#: What .env.example asks a production site to set; everything else keeps its default.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "www.hslhealing.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://www.hslhealing.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_check(**env):
    return run_manage("check", **env)


def settings_values(names, **env):
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}, default=str))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_off_without_secret_key_refuses_to_start_with_one_line():
    result = run_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off; refusing to start."
    ]


def test_debug_off_with_secret_key_starts():
    result = run_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_a_malformed_yes_no_value_is_named():
    result = run_check(DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0 (got 'maybe')." in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_a_cache_in_local_memory_is_a_deployment_warning():
    """Several workers, each with its own cached pages and fragments, would not all see a
    change at once."""
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION | {"REDIS_URL": ""}
    )
    assert result.returncode != 0
    assert "articles.W001" in result.stderr + result.stdout


def test_debug_off_turns_on_https_and_the_security_headers():
    values = settings_values(
        [
            "SECURE_PROXY_SSL_HEADER",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_HSTS_PRELOAD",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "X_FRAME_OPTIONS",
            "SECURE_REFERRER_POLICY",
            "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        ],
        **PRODUCTION,
    )
    assert values == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    }


def test_each_https_setting_can_be_switched_off():
    values = settings_values(
        ["SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"],
        **PRODUCTION,
        DJANGO_SECURE_PROXY_SSL_HEADER="0",
        DJANGO_SSL_REDIRECT="0",
        DJANGO_HSTS_SECONDS="0",
    )
    assert values == {
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_development_keeps_plain_http():
    values = settings_values(
        ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE"]
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
    }


def test_sign_in_throttling_is_configured_from_the_environment():
    values = settings_values(
        ["AXES_FAILURE_LIMIT", "AXES_COOLOFF_TIME"],
        DJANGO_LOGIN_FAILURE_LIMIT="3",
        DJANGO_LOGIN_COOLOFF_MINUTES="15",
    )
    assert values == {"AXES_FAILURE_LIMIT": 3, "AXES_COOLOFF_TIME": "0:15:00"}


def test_a_malformed_number_is_named():
    result = run_check(DJANGO_HSTS_SECONDS="one year")
    assert result.returncode != 0
    assert "DJANGO_HSTS_SECONDS must be a whole number (got 'one year')." in result.stderr


def test_an_admin_url_without_a_trailing_slash_refuses_to_start_with_one_line():
    result = run_check(DJANGO_ADMIN_URL="editorial")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "DJANGO_ADMIN_URL must be a path like 'editorial/': ending with '/', not starting "
        "with one (got 'editorial')."
    ]


def documented_variables():
    """Every variable .env.example names, set or commented out (`# NAME=value`)."""
    text = (ROOT / ".env.example").read_text()
    return sorted(set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)))


def test_every_variable_the_settings_read_is_documented():
    source = (ROOT / "hslhealing" / "settings.py").read_text()
    read = set(re.findall(r"\benv(?:_bool|_int|_list)?\(\s*\"([A-Z0-9_]+)\"", source))
    assert read, "the settings read their variables through env()"
    assert read <= set(documented_variables()), read - set(documented_variables())


def test_every_variable_set_to_the_empty_string_means_its_default():
    """A copied .env leaves `DATABASE_URL=` and the like: the same settings as unset."""
    names = [
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASES",
        "DB_CLIENT_TIMEOUT_SECONDS",
        "DB_TCP_USER_TIMEOUT_MS",
        "CACHES",
        "PAGE_CACHE_SECONDS",
        "TIME_ZONE",
        "STATIC_URL",
        "STATIC_ROOT",
        "MEDIA_ROOT",
        "STORAGES",
        "SERVE_MEDIA",
        "HERO_IMAGE_MAX_BYTES",
        "HERO_IMAGE_MAX_PIXELS",
        "SITE_URL",
        "REVIEW_DUE_MONTHS",
        "OUTBOUND_ALLOWED_HOSTS",
        "LOGGING",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "ADMIN_URL",
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
        "TRUSTED_PROXY_COUNT",
        "CONTENT_SECURITY_POLICY",
    ]
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}, default=str))"
    )
    outside = {k: v for k, v in os.environ.items() if k not in documented_variables()}

    def settings_with(environment):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    defaults = settings_with(outside)
    assert settings_with(outside | dict.fromkeys(documented_variables(), "")) == defaults
    assert defaults["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert defaults["ADMIN_URL"] == "admin/"
