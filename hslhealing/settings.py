"""
Settings for hslhealing: one module, read from the environment.

Every variable is documented in `.env.example`. Production behaviour is switched on by
`DJANGO_DEBUG=0`; there is no second settings file. A value that production cannot do
without (the secret key) stops the process at start with one readable line.

Every variable is read through `env()` (or its typed forms below it), so a variable set to the
empty string, as a copied `.env` leaves many, means its default, like one that is unset.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    """The variable's value, stripped; `default` when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value if value else default


def env_bool(name, default):
    """Read a yes/no variable: 1/true/yes/on mean yes, 0/false/no/off mean no."""
    value = env(name, None)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (got {value!r}).")


def env_list(name, default):
    """Read a comma-separated variable into a list of non-empty, stripped items."""
    value = env(name, None)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name, default):
    """Read a whole-number variable; empty means the default."""
    value = env(name, None)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number (got {value!r}).") from None


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        sys.exit("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off; refusing to start.")
    SECRET_KEY = "insecure-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "nested_admin",
    "django_prose_editor",
    "reversion",
    "axes",
    "csp",
    # The project's own start-up work (hslhealing/apps.py): the client-side database timeout.
    "hslhealing",
    "articles",
    "references",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hslhealing.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hslhealing.middleware.DatabaseUnavailableMiddleware",
    # ETag/Last-Modified revalidation answered with a 304, for cached pages too.
    "django.middleware.http.ConditionalGetMiddleware",
    # Before sessions and authentication: a cached page costs no database query.
    "articles.site.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hslhealing.urls"
WSGI_APPLICATION = "hslhealing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.site.context_processors.navigation",
            ],
        },
    },
    {
        # The article body's templates, for speed (hslhealing/jinja2.py says why and how).
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "hslhealing.jinja2.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DJANGO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A database that hangs (no answer, connection open) must not hold a worker until gunicorn kills
# it: connecting gives up after DJANGO_DB_CONNECT_TIMEOUT seconds, and PostgreSQL cancels any
# statement running longer than DJANGO_DB_STATEMENT_TIMEOUT_MS (0: no limit). Both errors reach
# DatabaseUnavailableMiddleware, which answers 503 with Retry-After.
DB_CONNECT_TIMEOUT = env_int("DJANGO_DB_CONNECT_TIMEOUT", 5)
DB_STATEMENT_TIMEOUT_MS = env_int("DJANGO_DB_STATEMENT_TIMEOUT_MS", 15_000)
# A server that is frozen (stopped, or its disk stalled) cancels nothing, and its kernel still
# acknowledges every packet, so neither the statement timeout nor TCP's own timeouts end the wait.
# The client gives up by itself after DJANGO_DB_CLIENT_TIMEOUT_SECONDS (hslhealing/
# database_timeouts.py); by default 5 s after the statement timeout, so that the server's own
# cancel comes first, and off (0) when statements have no limit (a long migration). Keep it, plus
# the connect timeout, below gunicorn's --timeout (30 s).
DB_CLIENT_TIMEOUT_SECONDS = env_int(
    "DJANGO_DB_CLIENT_TIMEOUT_SECONDS",
    -(-DB_STATEMENT_TIMEOUT_MS // 1000) + 5 if DB_STATEMENT_TIMEOUT_MS > 0 else 0,
)
# A host that vanishes (network cut, power lost) does stop acknowledging: libpq's
# tcp_user_timeout drops a connection whose sent data stays unacknowledged that long, and
# keepalive probes find a dead peer of an idle pooled connection.
DB_TCP_USER_TIMEOUT_MS = env_int("DJANGO_DB_TCP_USER_TIMEOUT_MS", 10_000)
DB_KEEPALIVES_IDLE = env_int("DJANGO_DB_KEEPALIVES_IDLE", 30)
DB_KEEPALIVES_INTERVAL = env_int("DJANGO_DB_KEEPALIVES_INTERVAL", 10)
DB_KEEPALIVES_COUNT = env_int("DJANGO_DB_KEEPALIVES_COUNT", 3)
# PostgreSQL's JIT compiler costs more than it saves on this site's queries: it compiled the
# staff export's query for 215 ms of its 413 ms (10,000 articles). Off for our connections.
POSTGRES_OPTIONS = {
    "connect_timeout": DB_CONNECT_TIMEOUT,
    "options": f"-c jit=off -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}",
    "tcp_user_timeout": DB_TCP_USER_TIMEOUT_MS,
    "keepalives": 1,
    "keepalives_idle": DB_KEEPALIVES_IDLE,
    "keepalives_interval": DB_KEEPALIVES_INTERVAL,
    "keepalives_count": DB_KEEPALIVES_COUNT,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(POSTGRES_OPTIONS)

# Optional read replica for anonymous readers' pages (see hslhealing/db_router.py).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).update(POSTGRES_OPTIONS)
    # In tests the replica is the primary under another name, so routed reads see test data.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["hslhealing.db_router.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "hslhealing.db_router.ReplicaForReadersMiddleware",
    )

# Cache: Redis through django-redis when CACHE_URL (or REDIS_URL) is set, local memory otherwise.
# django-redis keeps one redis-py client per server; Django's own backend builds a new
# `redis.Redis` for every call, which cost more than the round trip itself (README, "Stack").
# With Redis, sessions are cached there too (and kept in the database, so a Redis restart
# logs nobody out).
CACHE_URL = env("CACHE_URL") or env("REDIS_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        sys.exit(f"CACHE_URL must be a redis://, rediss:// or unix:// URL (got {CACHE_URL!r}).")
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env("DJANGO_CACHE_KEY_PREFIX", "hsl"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each worker's own memory, for what is valid only with the shared cache's content generation
# (articles/site/page_cache.py): copies of cached pages and the article page's fragments.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "hsl-local",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}
# How long anonymous readers' pages are kept whole in the cache (articles/site/page_cache.py);
# 0 turns the page cache off. Any content change starts afresh at once.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 300)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Behind a CDN, point STATIC_URL at it (e.g. https://cdn.example.com/static/): the CDN pulls the
# hashed, immutable files from this site, served by whitenoise.
STATIC_URL = env("DJANGO_STATIC_URL", "static/")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploads go to S3-compatible storage (django-storages) when a bucket is named, so several app
# servers share them; to the local MEDIA_ROOT otherwise.
MEDIA_S3_BUCKET = env("HSL_MEDIA_S3_BUCKET")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": MEDIA_S3_BUCKET,
                "endpoint_url": env("HSL_MEDIA_S3_ENDPOINT_URL", None),
                "region_name": env("HSL_MEDIA_S3_REGION", None),
                "access_key": env("HSL_MEDIA_S3_ACCESS_KEY_ID", None),
                "secret_key": env("HSL_MEDIA_S3_SECRET_ACCESS_KEY", None),
                "custom_domain": env("HSL_MEDIA_S3_CUSTOM_DOMAIN", None),
                "location": "media",
                "default_acl": None,
                "querystring_auth": False,
                "file_overwrite": False,
            },
        }
        if MEDIA_S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploaded images: anything larger, or with more pixels, is refused with a message.
HERO_IMAGE_MAX_BYTES = env_int("HSL_HERO_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
HERO_IMAGE_MAX_PIXELS = env_int("HSL_HERO_IMAGE_MAX_PIXELS", 40_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = HERO_IMAGE_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Uploaded media on this server (no S3): served by the app itself (hslhealing/media.py) unless
# DJANGO_SERVE_MEDIA=0 says a web server in front does it. With DEBUG on they are served too.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", not MEDIA_S3_BUCKET)

SITE_NAME = "HSLHealing"
#: Who signs an article that names no author (an organisation, marked up as one).
PUBLISHER_NAME = os.environ.get("HSL_PUBLISHER_NAME") or SITE_NAME

# The site's public address, for absolute links where no request tells it (the export command).
SITE_URL = env("HSL_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# An article whose medical review is older than this many months is due for review again.
REVIEW_DUE_MONTHS = env_int("HSL_REVIEW_DUE_MONTHS", 24)
# Publishing refuses an article with a figure (study) not linked to its reference
# (articles/editing/evidence.py).
REQUIRE_SOURCED_FIGURES = env_bool("HSL_REQUIRE_SOURCED_FIGURES", False)

# Outbound requests (references/outbound.py: link checks, metadata lookups) refuse addresses
# inside the network (loopback, private, link-local, reserved …) unless named here, as `host` or
# `host:port` (any port, or that one only).
OUTBOUND_ALLOWED_HOSTS = env_list("HSL_OUTBOUND_ALLOWED_HOSTS", [])
# Reference details fetched by identifier (references/metadata/): NCBI E-utilities and the
# Crossref REST API. The key raises NCBI's limit from 3 to 10 requests a second; the contact
# address is sent to NCBI (`email`) and to Crossref (its polite pool: `mailto`, User-Agent).
HSL_NCBI_EUTILS_URL = env("HSL_NCBI_EUTILS_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
HSL_CROSSREF_API_URL = env("HSL_CROSSREF_API_URL", "https://api.crossref.org/")
HSL_NCBI_API_KEY = env("HSL_NCBI_API_KEY")
HSL_CONTACT_EMAIL = env("HSL_CONTACT_EMAIL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
}

# Security. With DJANGO_DEBUG=0 every value below defaults to the safe one, so
# `manage.py check --deploy` passes; each can be switched by its variable (see .env.example).
# Behind a proxy that terminates TLS, Django learns the request was HTTPS from this header;
# the proxy must set it (and strip it from what visitors send).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", not DEBUG)
    else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The admin lives at DJANGO_ADMIN_URL (a path such as "editorial/"), away from the "admin/"
# that scanners try first.
ADMIN_URL = env("DJANGO_ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    sys.exit(
        f"DJANGO_ADMIN_URL must be a path like 'editorial/': ending with '/', not starting "
        f"with one (got {ADMIN_URL!r})."
    )


def _origin(url):
    """'https://cdn.example.com' for an absolute URL, None for a path on this site."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Content-Security-Policy (django-csp): no inline script or style on public pages; JSON-LD
# (`<script type="application/ld+json">`) is data and is not affected. A static CDN
# (DJANGO_STATIC_URL) and an S3 media domain are allowed where their files are used.
# The admin gets a relaxed policy, see ContentSecurityPolicyMiddleware.
def _media_origin():
    """Where uploaded images are served from when they live in S3, else None (this site)."""
    if not MEDIA_S3_BUCKET:
        return None
    if env("HSL_MEDIA_S3_CUSTOM_DOMAIN"):
        return f"https://{env('HSL_MEDIA_S3_CUSTOM_DOMAIN')}"
    return _origin(env("HSL_MEDIA_S3_ENDPOINT_URL")) or "https://*.amazonaws.com"


_static_origins = [origin for origin in [_origin(STATIC_URL)] if origin]
_media_origins = [origin for origin in [_media_origin()] if origin]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *_static_origins],
        "style-src": [SELF, *_static_origins],
        "img-src": [SELF, "data:", *_static_origins, *_media_origins],
        "font-src": [SELF, *_static_origins],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Added under the admin URL only (checked in Chromium, see ContentSecurityPolicyMiddleware):
# - the admin's one inline script, django-prose-editor's import map, carries a per-request nonce;
# - the editor (Tiptap) injects one <style> element with its base CSS, allowed by its hash
#   (tests/test_security.py recomputes it from the installed editor.js, so an upgrade that
#   changes it fails the tests instead of quietly breaking the editor).
PROSE_EDITOR_STYLE_HASH = "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"
CONTENT_SECURITY_POLICY_ADMIN_UPDATE = {
    "script-src": [NONCE],
    "style-src": [PROSE_EDITOR_STYLE_HASH],
}

# Sign-in throttling (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failed sign-ins for one
# user name from one address, that pair is refused for DJANGO_LOGIN_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "hslhealing.auth.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 60))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_CLIENT_IP_CALLABLE = "hslhealing.auth.client_ip"
# No banner on every start (it would be a second line in a command's one-line error); failed
# and blocked sign-ins are still logged.
AXES_VERBOSE = False
# Reverse proxies in front of the site that append the visitor's address to X-Forwarded-For.
# 0: the address is REMOTE_ADDR. Never set it higher than the real number of proxies, or
# visitors can choose their own address and escape the throttle.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
