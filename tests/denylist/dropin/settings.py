"""A stock djangorestframework-simplejwt project plus `denylist`, and nothing of Token Lab's.

What a project adds to use the revocation store is marked "denylist:"; everything else is what simplejwt's
documentation sets up. `tests/denylist/test_dropin.py` runs `tests.denylist.dropin.scenario` in a process of its own
with this module as DJANGO_SETTINGS_MODULE. With REDIS_URL set, the store's Redis fast path is used too.
"""

import os
from datetime import timedelta

SECRET_KEY = "a stock simplejwt project's own secret key, for this test only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.denylist.dropin.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never in a real project
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt",
    "denylist",  # denylist: the revocation store (one table)
]
MIDDLEWARE = []

REST_FRAMEWORK = {
    # denylist: simplejwt's stateless authentication plus the revocation check
    "DEFAULT_AUTHENTICATION_CLASSES": ["denylist.simplejwt.authentication.DenylistJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    # denylist: name each login and date it; rotate with reuse detection
    "TOKEN_OBTAIN_SERIALIZER": "denylist.simplejwt.serializers.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "denylist.simplejwt.serializers.TokenRotationSerializer",
}

if os.environ.get("REDIS_URL"):
    # denylist: the fast path, one HMGET per request; the database stays the source of truth
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": os.environ["REDIS_URL"],
                          "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}}}
    REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    REVOCATION_REDIS_KEY = os.environ.get("DROPIN_REDIS_KEY", "dropin:revocations")
