"""A user's cut-off ends the user's session rows, in the database, whoever wrote the cut-off.

The revocation store's USER entry says "every credential of this user from before T is dead". Tokens carry their
login instant and are checked against it; a session's cached copy (the `cached_db` store) is checked by its
digest only — one pipelined round trip cannot know the user before it has read the copy. So when a USER entry
is inserted or its cut-off moves forward, a trigger on the revocation table (PostgreSQL and SQLite):

- records each of that user's session rows created before the cut-off as a SESSION entry (`synced` = false, so
  the Redis copy takes it at its next lease renewal; the application pushes it at once on its own paths), and
- deletes those rows, so the database store refuses them on the next request.

With `denylist.triggers` on the user table, this is what makes a password changed, an account deactivated or
deleted by any program — raw SQL included — end the user's sessions. Rows created at or after the cut-off belong
to logins that began after it, or are refused at login (accounts.admission); they are left alone.
"""

_SESSIONS = "sessions_demo_devicesession"
_REVOCATIONS = "denylist_revocation"
_NAME = "sessions_demo_end_at_cutoff"


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
            f"EXECUTE FUNCTION {_NAME}();"]


def _postgresql_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_NAME}_insert ON {_REVOCATIONS};",
            f"DROP TRIGGER IF EXISTS {_NAME}_update ON {_REVOCATIONS};",
            f"DROP FUNCTION IF EXISTS {_NAME}();"]


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
            f"{_sqlite_body()}"]


def _sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {_NAME}_{suffix};" for suffix in ("insert", "update")]


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
