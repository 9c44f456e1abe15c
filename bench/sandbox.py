"""Where a run keeps its data: a throwaway database, its own Redis key space, and one bench account.

Nothing a run writes outlives it: the database is created, migrated and dropped (as Django's test runner does),
and every Redis key lives under a random per-run prefix that is deleted at the end. The Redis revocation hash
gets its own key too — a hash warmed from the throwaway database must never be trusted by the real servers.
"""

import copy
import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from bench.credentials import Account
from httpkit.redis_primary import primary_client

NOTES_PER_USER = 5


def database_url(settings_dict: dict) -> str:
    """Return a DATABASE_URL for a connection's settings (for the servers of `--http`)."""
    engine = settings_dict["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    if engine == "postgresql":
        auth = quote(settings_dict.get("USER") or "", safe="")
        if settings_dict.get("PASSWORD"):
            auth += ":" + quote(settings_dict["PASSWORD"], safe="")
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}@{host}{port}/{settings_dict['NAME']}"
    raise ValueError(f"authbench supports SQLite and PostgreSQL, not {engine}")


@contextmanager
def throwaway_database():
    """Create a fresh, migrated database beside the configured one, use it as `default`, drop it afterwards.

    Yield its DATABASE_URL. SQLite gets a file in a temporary directory (so server processes can open it too);
    PostgreSQL gets `<name>_authbench_<pid>`.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    old_name = connection.settings_dict["NAME"]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    saved_test_name = test_settings.get("NAME")
    folder = None
    if connection.vendor == "sqlite":
        folder = tempfile.mkdtemp(prefix="authbench-db-")
        test_settings["NAME"] = os.path.join(folder, "authbench.sqlite3")
    else:
        test_settings["NAME"] = f"{old_name}_authbench_{os.getpid()}"[:63]
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield database_url(connection.settings_dict)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    finally:
        test_settings["NAME"] = saved_test_name
        if saved_test_name is None:
            del test_settings["NAME"]
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def configured_database():
    """Use the configured database as it is (`--in-place`); yield its DATABASE_URL."""
    yield database_url(connections[DEFAULT_DB_ALIAS].settings_dict)


@contextmanager
def redis_namespace():
    """Yield the settings overrides that give this run its own Redis keys; delete every such key afterwards.

    Yield {} when the run has no Redis (REDIS_URL unset).
    """
    if not settings.REDIS_URL:
        yield {}
        return
    prefix = f"authbench-{secrets.token_hex(4)}"
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = prefix
    try:
        yield {"CACHES": caches, "REVOCATION_REDIS_KEY": f"{prefix}:revocations"}
    finally:
        client = primary_client(socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                                socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT)
        try:
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            # UNLINK, not DEL: freeing a hash of a million fields (authbench --scale) would block Redis for longer
            # than a socket timeout; UNLINK frees it in the background.
            for i in range(0, len(keys), 500):
                client.unlink(*keys[i:i + 500])
        finally:
            client.close()


@contextmanager
def bench_account():
    """Create the account every variant logs in as, with a few notes; delete it (and what cascades) afterwards."""
    from django.contrib.auth import get_user_model

    from resources.models import Note

    username = f"authbench-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    user = get_user_model().objects.create_user(username, f"{username}@bench.invalid", password)
    Note.objects.bulk_create(Note(owner=user, title=f"note {i}", body="benchmark " * 20)
                             for i in range(NOTES_PER_USER))
    try:
        yield Account(user.pk, username, password)
    finally:
        get_user_model().objects.filter(pk=user.pk).delete()
