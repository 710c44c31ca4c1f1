"""
What the site promises about security: the Content-Security-Policy (strict on public pages,
relaxed only as far as the admin needs), the security headers, HTTPS behind a proxy, sign-in
throttling (django-axes) and the configurable admin URL.
"""

import base64
import datetime
import hashlib
import re
from pathlib import Path

import django_prose_editor
import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import RequestFactory
from django.urls import reverse

from hslhealing.auth import client_ip
from tests.commands import run_manage
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


@pytest.fixture
def article():
    return ArticleFactory()


class TestContentSecurityPolicy:
    def test_public_pages_get_the_strict_policy(self, client, article):
        response = client.get(article.get_absolute_url())

        assert policy(response) == {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "font-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'"],
        }
        assert "unsafe" not in response["Content-Security-Policy"]

    def test_public_pages_have_no_inline_code_the_policy_would_block(self, client, article):
        """Inline scripts and style attributes would be blocked; JSON-LD is data, not code."""
        html = client.get(article.get_absolute_url()).content.decode()
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert all(' src="/' in tag or 'type="application/ld+json"' in tag for tag in scripts), (
            scripts
        )
        assert not re.search(r"<[^>]+\sstyle=", html)
        assert not re.search(r"<[^>]+\son[a-z]+=", html)

    def test_admin_allows_only_its_import_map_by_nonce(self, admin_client):
        response = admin_client.get(reverse("admin:articles_article_add"))

        script_src = policy(response)["script-src"]
        assert script_src[0] == "'self'" and len(script_src) == 2
        nonce = re.fullmatch(r"'nonce-(.+)'", script_src[1]).group(1)
        html = response.content.decode()
        assert f'<script type="importmap" nonce="{nonce}">' in html
        assert "unsafe" not in response["Content-Security-Policy"]

    def test_admin_nonce_is_new_on_every_request(self, admin_client):
        url = reverse("admin:articles_article_add")
        first, second = (policy(admin_client.get(url))["script-src"] for _ in range(2))
        assert first != second

    def test_admin_allows_the_editor_stylesheet_by_its_hash(self, admin_client):
        response = admin_client.get(reverse("admin:articles_article_add"))
        assert policy(response)["style-src"] == ["'self'", django_settings.PROSE_EDITOR_STYLE_HASH]

    def test_the_editor_stylesheet_hash_matches_the_installed_editor(self):
        """django-prose-editor's editor (Tiptap) injects one <style> with its base CSS. After an
        upgrade, put the hash this test prints into PROSE_EDITOR_STYLE_HASH (settings.py)."""
        editor_js = (
            Path(django_prose_editor.__file__).parent
            / "static"
            / "django_prose_editor"
            / "editor.js"
        ).read_text()
        [css] = re.findall(r"=`(\.ProseMirror \{.*?)`", editor_js, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" == django_settings.PROSE_EDITOR_STYLE_HASH

    def test_pages_outside_the_admin_do_not_get_the_admin_policy(self, admin_client, article):
        response = admin_client.get(article.get_absolute_url())
        assert policy(response)["script-src"] == ["'self'"]


class TestSecurityHeaders:
    def test_every_page_sends_the_security_headers(self, client, article):
        response = client.get(article.get_absolute_url())
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def production_https(settings):
    """The values that DJANGO_DEBUG=0 gives (tests/test_settings.py checks that it does)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


class TestHttpsBehindAProxy:
    def test_plain_http_is_redirected_to_https(self, client, article, production_https):
        response = client.get(article.get_absolute_url())
        assert response.status_code == 301
        assert response["Location"] == f"https://testserver{article.get_absolute_url()}"

    def test_https_forwarded_by_the_proxy_is_served_with_hsts(
        self, client, article, production_https
    ):
        response = client.get(article.get_absolute_url(), headers={"X-Forwarded-Proto": "https"})
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )

    def test_cookies_are_sent_over_https_only(self, client, production_https):
        response = client.get(reverse("admin:login"), headers={"X-Forwarded-Proto": "https"})
        assert response.cookies["csrftoken"]["secure"] is True


def attempt_login(client, username, password="wrong password", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        **extra,
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Sign-in tests check many passwords; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("sam", password=PASSWORD, is_staff=True)


class TestSignInThrottling:
    def test_five_failed_sign_ins_lock_the_user_name_out(self, client, staff):
        for _ in range(4):
            response = attempt_login(client, "sam")
            assert response.status_code == 200
            assert "Please enter the correct username and password" in response.content.decode()

        response = attempt_login(client, "sam")

        assert response.status_code == 429
        content = response.content.decode()
        assert "Sign-in paused" in content
        assert "There were 5 failed attempts to sign in as “sam” from your address" in content
        assert "paused for 60 minutes" in content

    def test_a_locked_out_user_cannot_sign_in_even_with_the_right_password(self, client, staff):
        for _ in range(5):
            attempt_login(client, "sam")

        response = attempt_login(client, "sam", PASSWORD)

        assert response.status_code == 429
        assert "_auth_user_id" not in client.session

    def test_the_lockout_is_for_one_user_name_from_one_address(
        self, client, staff, django_user_model
    ):
        django_user_model.objects.create_user("kim", password=PASSWORD, is_staff=True)
        for _ in range(5):
            attempt_login(client, "sam")

        assert attempt_login(client, "kim", PASSWORD).status_code == 302
        client.logout()
        assert attempt_login(client, "sam", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302

    def test_a_successful_sign_in_clears_earlier_failures(self, client, staff):
        for _ in range(4):
            attempt_login(client, "sam")
        assert attempt_login(client, "sam", PASSWORD).status_code == 302
        client.logout()

        for _ in range(4):
            assert attempt_login(client, "sam").status_code == 200
        assert attempt_login(client, "sam", PASSWORD).status_code == 302

    def test_the_lockout_ends_after_the_cool_off(self, client, staff):
        for _ in range(5):
            attempt_login(client, "sam")
        an_hour_ago = datetime.timedelta(minutes=61)
        for attempt in AccessAttempt.objects.all():
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                attempt_time=attempt.attempt_time - an_hour_ago
            )

        assert attempt_login(client, "sam", PASSWORD).status_code == 302

    def test_the_limit_is_a_setting(self, client, staff, settings):
        settings.AXES_FAILURE_LIMIT = 2
        assert attempt_login(client, "sam").status_code == 200
        assert attempt_login(client, "sam").status_code == 429

    def test_test_clients_can_still_sign_in_without_a_request(self, client, staff):
        assert client.login(username="sam", password=PASSWORD)
        assert not client.login(username="sam", password="wrong")
        assert client.get(reverse("admin:index")).status_code == 200


class TestClientAddress:
    def test_without_trusted_proxies_the_forwarded_header_is_ignored(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
        assert client_ip(request) == "10.0.0.1"

    def test_behind_one_proxy_its_entry_is_used_not_the_visitors_own(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        request = RequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
        )
        assert client_ip(request) == "198.51.100.7"

    def test_a_missing_forwarded_header_falls_back_to_the_peer(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
        assert client_ip(request) == "10.0.0.1"


def run_python(code, **env):
    return run_manage("shell", "--no-imports", "-c", code, **env)


class TestAdminUrl:
    CODE = (
        "from django.urls import reverse, resolve, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('no /admin/')\n"
    )

    @pytest.mark.subprocess
    def test_the_admin_moves_to_the_configured_url(self):
        result = run_python(self.CODE, DJANGO_ADMIN_URL="editorial/")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["/editorial/", "no", "/admin/"]

    @pytest.mark.subprocess
    def test_the_admin_is_at_admin_by_default(self):
        result = run_python(self.CODE)
        assert result.stdout.split() == ["/admin/"]
