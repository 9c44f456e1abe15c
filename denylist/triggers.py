"""The database's last word: triggers that record a user's cut-off whatever program changes the account.

Python can only guard the paths that pass through it. An `UPDATE` from a database console, another program, a
user-sync job's upsert or an ORM form nobody thought of never does. So the rule "a new password hash, an account
turned inactive, or a deleted account ends every credential of the user" is also installed in the database, as
row triggers on the user table (PostgreSQL and SQLite alike):

- an `UPDATE` that changes the password hash (unless the application declared it a re-hash of the same
  password, below), or that changes the active flag to anything but true, and any `DELETE`, upserts the user's
  USER entry in the revocation table: cut-off = the database's clock now (Unix ms, + 1, as `revoke_user` does),
  `synced` = false;
- the Redis copy takes an unsynced entry at its next lease renewal, so a write that bypasses the application takes
  effect within one `REVOCATION_LEASE_SECONDS` on a Redis-backed store, and on the next request on the database
  store. The application's own paths also push their entries to Redis at once (0 requests of delay).

A cut-off only ever moves forward (the upsert keeps the larger value), so the trigger and the application
writing the same change in one transaction agree: the later instant wins. Reactivating an account writes nothing
and revives nothing.

Re-hash permits. Django re-encodes a correct password with a stronger hasher at login; the hash changes, the
password does not, and nothing should end. The application says so by inserting a row (user id, new hash) into
the permit table in the same transaction, before the `UPDATE`; the trigger consumes it. Another program could
forge a permit, but a program that can write the user table can do anything to it anyway.

The cut-off entry's expiry: every credential issued before the cut-off has expired `CUTOFF_HORIZON_DAYS` later.
The trigger cannot read Django's settings, so the horizon is a constant; `denylist.checks` refuses a
configuration whose longest credential lifetime exceeds it.
"""

from dataclasses import dataclass

# How long a cut-off written by the database lives (days). Must exceed the longest credential lifetime
# (checked at start-up: tokenlab.E022).
CUTOFF_HORIZON_DAYS = 366

REASON_PASSWORD = "password_changed"
REASON_SUSPENDED = "suspended"
REASON_DELETED = "deleted"


@dataclass(frozen=True)
class UserTable:
    """Where the account lives: the user table, its key, password and active columns, and the permit table."""

    table: str
    permits: str
    id: str = "id"
    password: str = "password"
    active: str = "is_active"
    revocations: str = "denylist_revocation"

    @property
    def name(self) -> str:
        """The prefix of every object the triggers create (one set per user table)."""
        return f"{self.table}_cutoff"


# --- PostgreSQL ---------------------------------------------------------------------------------------------------
def _postgresql(t: UserTable) -> list[str]:
    upsert = f"""
    INSERT INTO {t.revocations} (kind, key, user_id, cutoff_ms, expires_at, reason, synced, created)
    VALUES ('u', uid::text, uid, cutoff, now_ + interval '{CUTOFF_HORIZON_DAYS} days', why, false, now_)
    ON CONFLICT (kind, key) DO UPDATE SET
      cutoff_ms = GREATEST({t.revocations}.cutoff_ms, EXCLUDED.cutoff_ms),
      expires_at = GREATEST({t.revocations}.expires_at, EXCLUDED.expires_at),
      reason = EXCLUDED.reason, synced = false;"""
    return [f"""
CREATE OR REPLACE FUNCTION {t.name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  uid bigint;
  why text := NULL;
  now_ timestamptz := clock_timestamp();
  cutoff bigint := floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint + 1;
BEGIN
  IF TG_OP = 'DELETE' THEN
    uid := OLD.{t.id};
    why := '{REASON_DELETED}';
  ELSE
    uid := NEW.{t.id};
    IF NEW.{t.password} IS DISTINCT FROM OLD.{t.password} THEN
      IF EXISTS (SELECT 1 FROM {t.permits} WHERE user_id = uid AND password = NEW.{t.password}) THEN
        DELETE FROM {t.permits} WHERE user_id = uid;
      ELSE
        why := '{REASON_PASSWORD}';
      END IF;
    END IF;
    IF why IS NULL AND NEW.{t.active} IS DISTINCT FROM OLD.{t.active} AND NEW.{t.active} IS NOT TRUE THEN
      why := '{REASON_SUSPENDED}';
    END IF;
  END IF;
  IF why IS NOT NULL THEN{upsert}
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NULL;
END
$$;""",
            f"DROP TRIGGER IF EXISTS {t.name}_update ON {t.table};",
            f"CREATE TRIGGER {t.name}_update AFTER UPDATE ON {t.table} FOR EACH ROW EXECUTE FUNCTION {t.name}();",
            f"DROP TRIGGER IF EXISTS {t.name}_delete ON {t.table};",
            f"CREATE TRIGGER {t.name}_delete BEFORE DELETE ON {t.table} FOR EACH ROW EXECUTE FUNCTION {t.name}();"]


def _postgresql_drop(t: UserTable) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {t.name}_update ON {t.table};",
            f"DROP TRIGGER IF EXISTS {t.name}_delete ON {t.table};",
            f"DROP FUNCTION IF EXISTS {t.name}();"]


# --- SQLite -------------------------------------------------------------------------------------------------------
# Django stores a datetime in SQLite as "YYYY-MM-DD HH:MM:SS[.ffffff]" text in UTC; strftime('%f') gives
# seconds with milliseconds, which Django parses back the same way and which compares correctly as text.
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
# SQLite keeps time as whole milliseconds; read them exactly (seconds, then the milliseconds of '%f' = "SS.SSS")
# rather than through julianday()'s floating point, which can land one millisecond short.
_SQLITE_NOW_MS = ("(CAST(strftime('%s', 'now') AS INTEGER) * 1000 "
                  "+ CAST(substr(strftime('%f', 'now'), 4, 3) AS INTEGER) + 1)")


def _sqlite_upsert(t: UserTable, uid: str, why: str, when: str = "1") -> str:
    # INSERT ... SELECT ... WHERE: SQLite's upsert needs a WHERE after a SELECT (its parsing rule), and the
    # condition lives here rather than in the trigger's WHEN so that one trigger can also consume the permit.
    return f"""
  INSERT INTO {t.revocations} (kind, key, user_id, cutoff_ms, expires_at, reason, synced, created)
  SELECT 'u', CAST({uid} AS TEXT), {uid}, {_SQLITE_NOW_MS},
         strftime('%Y-%m-%d %H:%M:%f', 'now', '+{CUTOFF_HORIZON_DAYS} days'), {why}, 0, {_SQLITE_NOW}
  WHERE {when}
  ON CONFLICT (kind, key) DO UPDATE SET
    cutoff_ms = max(coalesce(cutoff_ms, 0), excluded.cutoff_ms), expires_at = max(expires_at, excluded.expires_at),
    reason = excluded.reason, synced = 0;"""


def _sqlite(t: UserTable) -> list[str]:
    password_changed = f"NEW.{t.password} IS NOT OLD.{t.password}"
    permitted = f"EXISTS (SELECT 1 FROM {t.permits} WHERE user_id = NEW.{t.id} AND password = NEW.{t.password})"
    # Anything but 1 counts as inactive: SQLite stores whatever a raw UPDATE puts in the column ('false', 'no'),
    # and a value Django would not read as False must still end credentials rather than keep them alive.
    deactivated = f"(NEW.{t.active} IS NOT OLD.{t.active} AND NEW.{t.active} IS NOT 1)"
    new_password = f"({password_changed} AND NOT {permitted})"
    why = f"CASE WHEN {new_password} THEN '{REASON_PASSWORD}' ELSE '{REASON_SUSPENDED}' END"
    # One trigger, statements in order: decide with the permit still there, then consume it.
    return [
        *_sqlite_drop(t),
        f"""CREATE TRIGGER {t.name}_update AFTER UPDATE ON {t.table} FOR EACH ROW
WHEN {password_changed} OR {deactivated}
BEGIN{_sqlite_upsert(t, f"NEW.{t.id}", why, f"{new_password} OR {deactivated}")}
  DELETE FROM {t.permits} WHERE user_id = NEW.{t.id} AND {password_changed};
END;""",
        f"""CREATE TRIGGER {t.name}_delete BEFORE DELETE ON {t.table} FOR EACH ROW
BEGIN{_sqlite_upsert(t, f"OLD.{t.id}", f"'{REASON_DELETED}'")}
END;"""]


def _sqlite_drop(t: UserTable) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {t.name}_{suffix};" for suffix in ("update", "delete")]


_INSTALL = {"postgresql": _postgresql, "sqlite": _sqlite}
_DROP = {"postgresql": _postgresql_drop, "sqlite": _sqlite_drop}


def install(schema_editor, table: UserTable) -> None:
    """Create (or replace) the cut-off triggers on `table` (a migration's RunPython step)."""
    vendor = schema_editor.connection.vendor
    if vendor not in _INSTALL:
        raise NotImplementedError(f"Token Lab's revocation triggers support PostgreSQL and SQLite, not {vendor}.")
    for statement in _INSTALL[vendor](table):
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor, table: UserTable) -> None:
    """Drop the cut-off triggers of `table` (the reverse of `install`)."""
    for statement in _DROP.get(schema_editor.connection.vendor, lambda t: [])(table):
        schema_editor.execute(statement, params=None)
