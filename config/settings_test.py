"""Test settings: the production settings with fast password hashing and fixed test secrets.

The database and Redis still come from DATABASE_URL / REDIS_URL, so the same suite runs embedded (SQLite, no
Redis) and in production mode (PostgreSQL + Redis).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-for-token-lab-only-" + "x" * 20)
os.environ.setdefault("JWT_SIGNING_KEY", "test-jwt-signing-key-for-token-lab-only-" + "y" * 20)
os.environ.setdefault("COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
