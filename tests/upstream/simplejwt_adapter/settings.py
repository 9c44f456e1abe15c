"""Settings for simplejwt's own tests: their conftest's project, and the target's additions (see the package)."""

import os

from simplejwt_adapter import target

_UPSTREAM_APPS = ["rest_framework_simplejwt", "rest_framework_simplejwt.token_blacklist", "tests"]
_MEMORY_DB = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

if target() == "door":
    # Token Lab as deployed (embedded mode), with simplejwt's test app and the door's classes named in SIMPLE_JWT.
    from config.settings import *  # noqa: F403
    from config.settings import INSTALLED_APPS, SIMPLE_JWT

    INSTALLED_APPS = [*INSTALLED_APPS, *_UPSTREAM_APPS]
    ROOT_URLCONF = "simplejwt_adapter.urls"
    DATABASES = {"default": _MEMORY_DB}
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    SIMPLE_JWT = {**SIMPLE_JWT, "AUTH_TOKEN_CLASSES": ("jwt_demo.tokens.AccessToken",)}
    # simplejwt's view tests request over plain http: without this every one is the deployment's HTTPS redirect
    # (a 301, tested by Token Lab's own suite), and what the views do would never be reached.
    SECURE_SSL_REDIRECT = False
else:
    # simplejwt's conftest (tests/conftest.py in its sdist), plus the lines denylist/simplejwt/__init__.py asks for.
    MIDDLEWARE = [
        "django.middleware.common.CommonMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    DEBUG_PROPAGATE_EXCEPTIONS = True
    DATABASES = {"default": _MEMORY_DB, "other": {"ENGINE": "django.db.backends.sqlite3", "NAME": "other"}}
    SITE_ID = 1
    SECRET_KEY = "not very secret in tests"
    USE_I18N = True
    USE_TZ = True
    STATIC_URL = "/static/"
    ROOT_URLCONF = "tests.urls"
    TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
    INSTALLED_APPS = [
        "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.sites",
        "django.contrib.staticfiles", "rest_framework", *_UPSTREAM_APPS,
        "denylist",  # denylist: the revocation store
    ]
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
    SIMPLE_JWT = {
        "BLACKLIST_AFTER_ROTATION": True,
        # denylist: name each login and date it; rotate with reuse detection
        "TOKEN_OBTAIN_SERIALIZER": "denylist.simplejwt.serializers.TokenObtainPairSerializer",
        "TOKEN_REFRESH_SERIALIZER": "denylist.simplejwt.serializers.TokenRotationSerializer",
    }
    os.environ.pop("REDIS_URL", None)
