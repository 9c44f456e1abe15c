"""A user's cut-off ends the user's session rows, in the database, whoever wrote the cut-off.

The revocation store's USER entry says "every credential of this user from before T is dead". Tokens carry their
login instant and are checked against it; a session's cached copy (the `cached_db` store) is checked by its
digest only — one pipelined round trip cannot know the user before it has read the copy. So when a USER entry
is inserted or its cut-off moves forward, a trigger on the revocation table (PostgreSQL and SQLite):

- records each of that user's session rows created before the cut-off as a SESSION entry (`synced` = false, so
  the Redis copy takes it at its next lease renewal; the application pushes it at once on its own paths), and
- deletes those rows, so the database store refuses them on the next request.

And when a live session row of a user is deleted by any other means — a raw `DELETE`, a cascade, an ORM
`delete()` that bypasses the store — a trigger on the session table records it as a SESSION entry too, so a cached
copy of it cannot outlive its row (its store's own `end_sessions` records it as well, and pushes it at once).

With `denylist.triggers` on the user table, this is what makes a password changed, an account deactivated or
deleted by any program — raw SQL included — end the user's sessions. Rows created at or after the cut-off belong
to logins that began after it, or are refused at login (accounts.admission); they are left alone.
"""

_SESSIONS = "sessions_demo_devicesession"
_REVOCATIONS = "denylist_revocation"
_NAME = "sessions_demo_end_at_cutoff"
_ENDED = "sessions_demo_record_ended"


def _postgresql() -> list[str]:
    return [f"""
CREATE OR REPLACE FUNCTION {_NAME}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  at timestamptz := to_timestamp(NEW.cutoff_ms / 1000.0);
BEGIN
  INSERT INTO {_REVOCATIONS} (kind, key, user_id, cutoff_ms, expires_at, reason, synced, created)
  SELECT 's', s.digest, s.user_id, NULL, s.expire_date, NEW.reason, false, clock_timestamp()
  FROM {_SESSIONS} s WHERE s.user_id = NEW.user_id AND s.created < at
  ON CONFLICT (kind, key) DO NOTHING;
  DELETE FROM {_SESSIONS} WHERE user_id = NEW.user_id AND created < at;
  RETURN NULL;
END
$$;""",
            f"DROP TRIGGER IF EXISTS {_NAME}_insert ON {_REVOCATIONS};",
            f"CREATE TRIGGER {_NAME}_insert AFTER INSERT ON {_REVOCATIONS} FOR EACH ROW "
            f"WHEN (NEW.kind = 'u' AND NEW.cutoff_ms IS NOT NULL AND NEW.user_id IS NOT NULL) "
            f"EXECUTE FUNCTION {_NAME}();",
            f"DROP TRIGGER IF EXISTS {_NAME}_update ON {_REVOCATIONS};",
            f"CREATE TRIGGER {_NAME}_update AFTER UPDATE ON {_REVOCATIONS} FOR EACH ROW "
            f"WHEN (NEW.kind = 'u' AND NEW.user_id IS NOT NULL AND NEW.cutoff_ms > coalesce(OLD.cutoff_ms, 0)) "
            f"EXECUTE FUNCTION {_NAME}();",
            f"""
CREATE OR REPLACE FUNCTION {_ENDED}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {_REVOCATIONS} (kind, key, user_id, cutoff_ms, expires_at, reason, synced, created)
  VALUES ('s', OLD.digest, OLD.user_id, NULL, OLD.expire_date, '', false, clock_timestamp())
  ON CONFLICT (kind, key) DO NOTHING;
  RETURN NULL;
END
$$;""",
            f"DROP TRIGGER IF EXISTS {_ENDED} ON {_SESSIONS};",
            f"CREATE TRIGGER {_ENDED} AFTER DELETE ON {_SESSIONS} FOR EACH ROW "
            f"WHEN (OLD.user_id IS NOT NULL AND OLD.expire_date > now()) EXECUTE FUNCTION {_ENDED}();"]


def _postgresql_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_NAME}_insert ON {_REVOCATIONS};",
            f"DROP TRIGGER IF EXISTS {_NAME}_update ON {_REVOCATIONS};",
            f"DROP FUNCTION IF EXISTS {_NAME}();",
            f"DROP TRIGGER IF EXISTS {_ENDED} ON {_SESSIONS};",
            f"DROP FUNCTION IF EXISTS {_ENDED}();"]


def _sqlite_body() -> str:
    # Django keeps datetimes in SQLite as UTC text; the cut-off as the same text (to the millisecond) compares
    # correctly with it.
    at = "strftime('%Y-%m-%d %H:%M:%f', NEW.cutoff_ms / 1000.0, 'unixepoch')"
    return f"""
BEGIN
  INSERT INTO {_REVOCATIONS} (kind, key, user_id, cutoff_ms, expires_at, reason, synced, created)
  SELECT 's', s.digest, s.user_id, NULL, s.expire_date, NEW.reason, 0, strftime('%Y-%m-%d %H:%M:%f', 'now')
  FROM {_SESSIONS} s WHERE s.user_id = NEW.user_id AND s.created < {at}
  ON CONFLICT (kind, key) DO NOTHING;
  DELETE FROM {_SESSIONS} WHERE user_id = NEW.user_id AND created < {at};
END;"""


def _sqlite() -> list[str]:
    return [*_sqlite_drop(),
            f"CREATE TRIGGER {_NAME}_insert AFTER INSERT ON {_REVOCATIONS} FOR EACH ROW "
            f"WHEN NEW.kind = 'u' AND NEW.cutoff_ms IS NOT NULL AND NEW.user_id IS NOT NULL{_sqlite_body()}",
            f"CREATE TRIGGER {_NAME}_update AFTER UPDATE ON {_REVOCATIONS} FOR EACH ROW "
            f"WHEN NEW.kind = 'u' AND NEW.user_id IS NOT NULL AND NEW.cutoff_ms > coalesce(OLD.cutoff_ms, 0)"
            f"{_sqlite_body()}",
            f"""CREATE TRIGGER {_ENDED} AFTER DELETE ON {_SESSIONS} FOR EACH ROW
WHEN OLD.user_id IS NOT NULL AND OLD.expire_date > strftime('%Y-%m-%d %H:%M:%f', 'now')
BEGIN
  INSERT INTO {_REVOCATIONS} (kind, key, user_id, cutoff_ms, expires_at, reason, synced, created)
  SELECT 's', OLD.digest, OLD.user_id, NULL, OLD.expire_date, '', 0, strftime('%Y-%m-%d %H:%M:%f', 'now')
  WHERE 1
  ON CONFLICT (kind, key) DO NOTHING;
END;"""]


def _sqlite_drop() -> list[str]:
    return [*(f"DROP TRIGGER IF EXISTS {_NAME}_{suffix};" for suffix in ("insert", "update")),
            f"DROP TRIGGER IF EXISTS {_ENDED};"]


_INSTALL = {"postgresql": _postgresql, "sqlite": _sqlite}
_DROP = {"postgresql": _postgresql_drop, "sqlite": _sqlite_drop}


def install(schema_editor) -> None:
    """Create (or replace) the trigger (a migration's RunPython step)."""
    vendor = schema_editor.connection.vendor
    if vendor not in _INSTALL:
        raise NotImplementedError(f"Token Lab's session triggers support PostgreSQL and SQLite, not {vendor}.")
    for statement in _INSTALL[vendor]():
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor) -> None:
    """Drop the trigger (the reverse of `install`)."""
    for statement in _DROP.get(schema_editor.connection.vendor, list)():
        schema_editor.execute(statement, params=None)
