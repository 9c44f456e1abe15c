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

# Embedded mode tests on a file, not SQLite's in-memory database: browser tests run a threaded live server, and an
# in-memory test database is one connection shared by every thread (a page's parallel requests then interleave
# their savepoints). On a file each thread has its own connection, as in production, and WAL plus IMMEDIATE
# transactions queue concurrent writers. `*.sqlite3` files are ignored by git.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-embedded.sqlite3")}  # noqa: F405
