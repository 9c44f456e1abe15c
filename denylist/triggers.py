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
password does not, and nothing should end. The application says so by inserting a row (user id, the hash it
replaces, the new hash) into the permit table (`denylist.models.PasswordRehash`) before the `UPDATE`; the trigger
honours it only for that exact change — from that stored hash to that new one — and any change of the user's hash
consumes every permit of the user. A permit names a re-encoding, never "the next change": a write that finds
another hash stored than the permit's (a password changed meanwhile) ends credentials. Another program could forge
a permit, but a program that can write the user table can do anything to it anyway.

Where they are installed. `denylist`'s migration 0002 installs them on the table of `settings.AUTH_USER_MODEL`
(whichever project: Token Lab's `accounts.User` or `auth.User` of a stock project), and after every `migrate`
that applied something, `reinstall_after_migrate` installs them again from the final state of the user model:
SQLite rebuilds a table to alter it (a new table copied, the old one dropped with its triggers), and a column
renamed or added later must be watched too. A user model whose primary key is not an integer is not supported
(the store keys users by integer id); `denylist.checks` says so.

The cut-off entry's expiry: every credential issued before the cut-off has expired `CUTOFF_HORIZON_DAYS` later.
The trigger cannot read Django's settings, so the horizon is a constant; `denylist.checks` refuses a
configuration whose longest credential lifetime exceeds it.
"""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models, transaction

from denylist.reasons import Reason

# How long a cut-off written by the database lives (days). Must exceed the longest credential lifetime
# (checked at start-up: tokenlab.E022).
CUTOFF_HORIZON_DAYS = 366

# The reasons the triggers write (denylist.reasons): spelled into the SQL, so a changed value needs a migration.
REASON_PASSWORD = Reason.PASSWORD_CHANGED.value
REASON_SUSPENDED = Reason.SUSPENDED.value
REASON_DELETED = Reason.DELETED.value


@dataclass(frozen=True)
class UserTable:
    """Where the account lives: the user table, its key, password and active columns, and the permit table.

    `active` None: the user model has no active flag (AbstractBaseUser's `is_active` is a constant True), so only
    a new hash and a deletion end credentials.
    """

    table: str
    permits: str = "denylist_passwordrehash"
    id: str = "id"
    password: str = "password"
    active: str | None = "is_active"
    revocations: str = "denylist_revocation"

    @classmethod
    def of(cls, user_model, *, permits=None, revocations=None) -> "UserTable":
        """Describe `user_model`'s table (a real or a migration's historical model), its columns read from it."""
        meta = user_model._meta
        try:
            active = meta.get_field("is_active").column
        except FieldDoesNotExist:
            active = None
        extra = {"permits": permits._meta.db_table} if permits is not None else {}
        if revocations is not None:
            extra["revocations"] = revocations._meta.db_table
        return cls(table=meta.db_table, id=meta.pk.column, password=meta.get_field("password").column,
                   active=active, **extra)

    @property
    def name(self) -> str:
        """The prefix of every object the triggers create (one set per user table)."""
        return f"{self.table}_cutoff"


# --- PostgreSQL ---------------------------------------------------------------------------------------------------
def _postgresql_active(t: UserTable) -> str:
    if t.active is None:
        return ""
    return f"""
    IF why IS NULL AND NEW.{t.active} IS DISTINCT FROM OLD.{t.active} AND NEW.{t.active} IS NOT TRUE THEN
      why := '{REASON_SUSPENDED}';
    END IF;"""


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
      IF NOT EXISTS (SELECT 1 FROM {t.permits}
                     WHERE user_id = uid AND previous = OLD.{t.password} AND password = NEW.{t.password}) THEN
        why := '{REASON_PASSWORD}';
      END IF;
      DELETE FROM {t.permits} WHERE user_id = uid;
    END IF;{_postgresql_active(t)}
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
    permitted = (f"EXISTS (SELECT 1 FROM {t.permits} WHERE user_id = NEW.{t.id} "
                 f"AND previous = OLD.{t.password} AND password = NEW.{t.password})")
    # Anything but 1 counts as inactive: SQLite stores whatever a raw UPDATE puts in the column ('false', 'no'),
    # and a value Django would not read as False must still end credentials rather than keep them alive.
    deactivated = (f"(NEW.{t.active} IS NOT OLD.{t.active} AND NEW.{t.active} IS NOT 1)" if t.active is not None
                   else "0")
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


def integer_key(user_model) -> bool:
    """Tell whether the user model's primary key is an integer (the only kind the store and the triggers key)."""
    pk = user_model._meta.pk
    return isinstance(pk.target_field if pk.is_relation else pk, models.IntegerField)


def installed(connection, table: UserTable) -> bool:
    """Tell whether both cut-off triggers exist on `table` (one catalogue query)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table.table])
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
                           [table.table])
        names = {row[0] for row in cursor.fetchall()}
    return {f"{table.name}_update", f"{table.name}_delete"} <= names


def reinstall_after_migrate(sender, *, using, apps=global_apps, plan=None, **kwargs) -> None:
    """`post_migrate` receiver: (re)install the triggers on the user table as the migrations left it.

    After a `migrate` that applied anything, always, from the final state of the user model (SQLite drops a
    table's triggers when it rebuilds the table to alter it; a column may have been renamed). Otherwise (a `flush`,
    a `migrate` with nothing to do) only when they are missing. Nothing while denylist's own tables are not there
    (migrated backwards), for a user model without an integer key, or on a database the triggers do not support
    (the receivers of denylist.users still guard ORM writes there).
    """
    connection = connections[using]
    if connection.vendor not in _INSTALL:
        return
    try:
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        permits, revocations = apps.get_model("denylist", "PasswordRehash"), apps.get_model("denylist", "Revocation")
    except LookupError:
        return
    if not integer_key(user_model):
        return
    table = UserTable.of(user_model, permits=permits, revocations=revocations)
    present = set(connection.introspection.table_names())
    if not {table.table, table.permits, table.revocations} <= present:
        return
    if not plan and installed(connection, table):
        return
    # One transaction: on PostgreSQL no write slips between the old triggers dropped and the new ones created.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in _INSTALL[connection.vendor](table):
            cursor.execute(statement)
