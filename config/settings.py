"""Django settings for Token Lab: one module, every knob read from the environment.

Embedded mode (the default on a laptop): SQLite in the project folder, no Redis. Production / scale-out mode:
`DATABASE_URL` points at PostgreSQL and `REDIS_URL` at Redis (or `REDIS_SENTINELS` at the sentinels that name its
current primary), shared by every gunicorn worker and host.
Secrets have development defaults only when DEBUG is on; otherwise a missing one stops the process.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_host_ports,
    env_int,
    env_list,
    env_rate,
    env_required,
    env_service_name,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)


def _dev_secret_key() -> str:
    """Return a per-checkout development key, generated once and kept out of git."""
    path = BASE_DIR / ".tokenlab-dev-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or (_dev_secret_key() if DEBUG else env_required("SECRET_KEY"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.TokenLabAdminConfig",  # django.contrib.admin, its login behind the throttle (config/adminsite.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # DRF's own token store: the benchmark's outside reference (`TokenAuthentication`); no door uses it.
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "accounts",
    "resources",
    "denylist",
    "sessions_demo",
    "jwt_demo",
    "console",
    "workshop",
    "bench",
]

MIDDLEWARE = [
    "httpkit.outages.ServiceUnavailableMiddleware",
    "denylist.middleware.RevocationBatchMiddleware",  # one lease wait per request when Redis missed revocations
    "httpkit.requestguard.RequestCharsetMiddleware",
    "workshop.measure.LabMeasureMiddleware",  # the guided lab's live numbers, only for requests that ask
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "sessions_demo.middleware.DeviceSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------------------------
DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'tokenlab.sqlite3'}",
        engines=("django.db.backends.sqlite3", "django.db.backends.postgresql"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock up front so that two
    # writers queue on the busy timeout instead of failing half-way ("database is locked").
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 5, minimum=1),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 3, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The only backend: every authenticate() call — both doors, the hybrid login, /admin/login/, an old_password —
# checks the password behind the login throttle and leaves an auth event (accounts.backends).
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]

# --- Redis: the shared fast path in production mode -------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.5, minimum=0)
# High availability: with sentinels, every Redis client asks them for the current primary of the master they
# monitor under REDIS_SENTINEL_MASTER, at each new connection — so a failover needs no restart (README).
REDIS_SENTINELS = env_host_ports("REDIS_SENTINELS")
REDIS_SENTINEL_MASTER = env_service_name("REDIS_SENTINEL_MASTER", "tokenlab")
if REDIS_SENTINELS:
    if REDIS_URL:
        raise ImproperlyConfigured(
            "Set REDIS_URL or REDIS_SENTINELS, not both: with sentinels, Token Lab asks them for the primary.")
    # django-redis's Sentinel URL: the host part names the monitored master, database 0.
    REDIS_URL = f"redis://{REDIS_SENTINEL_MASTER}/0"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tokenlab",
            "OPTIONS": {
                # A hung Redis must not stall workers: every call gives up after these timeouts. Deliberately
                # no IGNORE_EXCEPTIONS: the revocation store must see failures to fall back, never a silent miss.
                "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    if REDIS_SENTINELS:
        # One pool, to the primary only (no reads from replicas: a replica may lag behind a logout). The sentinels
        # themselves are asked with the same timeouts (redis-py copies the socket_* options to them).
        CACHES["default"]["OPTIONS"].update(
            CONNECTION_FACTORY="django_redis.pool.SentinelConnectionFactory", SENTINELS=REDIS_SENTINELS)
    SESSION_ENGINE = "sessions_demo.backends.cached_db"
    REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tokenlab"}}
    SESSION_ENGINE = "sessions_demo.backends.db"
    REVOCATION_BACKEND = "denylist.backends.db.DatabaseRevocationBackend"

SESSION_ENGINE = env_str("SESSION_ENGINE", SESSION_ENGINE)
REVOCATION_BACKEND = env_str("REVOCATION_BACKEND", REVOCATION_BACKEND)
# How long a Redis snapshot of the revocation store is trusted before one request re-validates it against the
# database. It bounds how long a writer that cannot reach Redis waits before it acknowledges (see denylist/).
REVOCATION_LEASE_SECONDS = env_int("REVOCATION_LEASE_SECONDS", 5, minimum=1)
# Teaching toggle: with the denylist off, revoked access tokens keep working until `exp` (the article's claim).
REVOCATION_ENABLED = env_bool("REVOCATION_ENABLED", True)

# --- Sessions and CSRF -------------------------------------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and env_bool("COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
LOGIN_URL = "/session/login/"
LOGIN_REDIRECT_URL = "/session/"
SESSION_LAST_SEEN_INTERVAL = env_int("SESSION_LAST_SEEN_INTERVAL", 60, minimum=0)
# Auth events older than this are deleted by `manage.py purge_auth_events` (run it from cron, README).
AUTH_EVENT_RETENTION_DAYS = env_int("AUTH_EVENT_RETENTION_DAYS", 90, minimum=1)

# --- JWT ---------------------------------------------------------------------------------------------------------
JWT_ALGORITHM = env_choice("JWT_ALGORITHM", "HS256", ("HS256", "RS256", "ES256", "EdDSA"))


def _dev_jwt_key() -> str:
    """Derive a development HMAC key from SECRET_KEY: related by a one-way function, never equal to it."""
    return hmac.new(SECRET_KEY.encode(), b"token-lab jwt signing key (development)", hashlib.sha256).hexdigest()


JWT_SIGNING_KEY = env_str("JWT_SIGNING_KEY") or (_dev_jwt_key() if DEBUG else env_required("JWT_SIGNING_KEY"))
if JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from SECRET_KEY: one leaked key must not forge both.")
# Keys that still verify (previous keys during a rotation): comma-separated HMAC keys or PEM paths.
JWT_VERIFYING_KEYS = env_list("JWT_VERIFYING_KEYS", [])
JWT_ISSUER = env_str("JWT_ISSUER", "token-lab")
JWT_AUDIENCE = env_str("JWT_AUDIENCE", "token-lab-api")
ACCESS_TOKEN_LIFETIME = env_int("ACCESS_TOKEN_LIFETIME", 900, minimum=1)
REFRESH_TOKEN_LIFETIME = env_int("REFRESH_TOKEN_LIFETIME", 14 * 24 * 3600, minimum=1)
# No chain of rotations may keep a login alive longer than this (RFC 9700 §4.14.2: bound refresh token life).
REFRESH_ABSOLUTE_LIFETIME = env_int("REFRESH_ABSOLUTE_LIFETIME", 30 * 24 * 3600, minimum=1)
JWT_LEEWAY = env_int("JWT_LEEWAY", 0, minimum=0)

# The JWT door is djangorestframework-simplejwt: Token Lab's token classes, token backend, serializers and views are
# subclasses of simplejwt's, named or mirrored here. simplejwt captures this dict when it is imported, so the door's
# own classes read the JWT_* and *_LIFETIME settings above whenever they run (a test's `settings` change counts);
# the values here are copies of them for simplejwt's own code. AUTH_TOKEN_CLASSES stays simplejwt's AccessToken:
# only the benchmark's reference door (stock JWTAuthentication) reads it, and it must measure stock simplejwt.
# Every other simplejwt setting is honoured by the door or refused at start-up by a system check that says why
# (jwt_demo.checks; the table is in docs/simplejwt.md).
SIMPLE_JWT = {
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUDIENCE": JWT_AUDIENCE,
    "ISSUER": JWT_ISSUER,
    "LEEWAY": JWT_LEEWAY,
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=ACCESS_TOKEN_LIFETIME),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=REFRESH_TOKEN_LIFETIME),
    "ROTATE_REFRESH_TOKENS": True,
    # Revocation is the denylist app, keyed by claims; simplejwt's token_blacklist stores whole tokens (README).
    "BLACKLIST_AFTER_ROTATION": False,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "TOKEN_USER_CLASS": "jwt_demo.tokens.TokenUser",
    "TOKEN_OBTAIN_SERIALIZER": "jwt_demo.serializers.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "jwt_demo.serializers.TokenRefreshSerializer",
    "TOKEN_VERIFY_SERIALIZER": "jwt_demo.serializers.TokenVerifySerializer",
}
# The entries above that copy Token Lab's own settings, as copied here. The JWT door reads JWT_* and the lifetimes,
# not these copies (they serve simplejwt's own code: the benchmark's stock door); jwt_demo.checks refuses a
# SIMPLE_JWT whose copy was edited afterwards (tokenlab.E026), so such an edit is never silently ignored.
SIMPLE_JWT_COPIES = {name: SIMPLE_JWT[name] for name in (
    "ALGORITHM", "SIGNING_KEY", "AUDIENCE", "ISSUER", "LEEWAY", "ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME")}

# --- Login throttling and client address --------------------------------------------------------------------------
# Failed password checks (any login, /admin/login/, an old_password) per account and per client address.
# Successful logins do not count: a room of people behind one NAT address can all log in (accounts.throttling).
LOGIN_RATE = env_rate("LOGIN_RATE", "10/min")
LOGIN_ADDRESS_RATE = env_rate("LOGIN_ADDRESS_RATE", "30/min")
# Refresh-token rotations per login (token family): a client refreshes every few minutes, not many times a second.
REFRESH_RATE = env_rate("REFRESH_RATE", "30/min")
# Number of reverse proxies in front of Token Lab whose X-Forwarded-For entries are trusted; 0 = use REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Request limits ------------------------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BODY", 64 * 1024, minimum=1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
MAX_TOKEN_LENGTH = 4096

# --- DRF -----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only: form and multipart bodies are 415 (the API speaks JSON), and malformed JSON is a 4xx, never a 500.
    "DEFAULT_PARSER_CLASSES": ["httpkit.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "httpkit.errors.api_exception_handler",
    # drf-spectacular's AutoSchema, plus the `{"detail", "code"}` errors each operation can answer (httpkit.schema).
    "DEFAULT_SCHEMA_CLASS": "httpkit.schema.ErrorResponsesAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Token Lab API",
    "DESCRIPTION": "The same protected resources behind a session-cookie door and a JWT door.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets ship inside a Python package: the docs page never loads anything from the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- CORS: the JWT API is callable from listed origins (Bearer header, no cookies) ---------------------------------
# Only Bearer endpoints are offered cross-origin. /jwt/hybrid/ is deliberately absent: its credential is a
# SameSite=Strict cookie and it refuses foreign origins; /session/ is cookie-authenticated too.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
# The guided lab's cross-origin step: two names of this server that are each other's second origin (beside
# localhost and 127.0.0.1, always paired), e.g. its LAN address and its host name for a workshop room.
LAB_TWIN_HOSTS = env_list("LAB_TWIN_HOSTS", [])
if len(LAB_TWIN_HOSTS) not in {0, 2}:
    raise ImproperlyConfigured("LAB_TWIN_HOSTS names exactly two host names of this server (or none).")
# The guided lab's live numbers (`X-Lab-Measure`: server time, queries by table, Redis commands): answered only
# where the lab is served — DEBUG on, or LAB_MEASURE=1 for a room on `make serve` — and only to logged-in users.
LAB_MEASURE = env_bool("LAB_MEASURE", False)
CORS_URLS_REGEX = r"^/(jwt/(api|token|logout|logout-all|password)|\.well-known)/.*$"
CORS_ALLOW_CREDENTIALS = False  # the Bearer header is the credential: browsers send no cookies cross-origin
CORS_EXPOSE_HEADERS = ["WWW-Authenticate", "Retry-After"]  # let a cross-origin client read why it got a 401/429/503

# --- Passwords, i18n, static ----------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the apps in tests and `make serve` without collectstatic

# --- Security headers (production) ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = not DEBUG and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))},
    "loggers": {"django.request": {"level": "ERROR"}},
}
