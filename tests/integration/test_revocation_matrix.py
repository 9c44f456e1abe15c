"""Issue #8's revocation matrix: every trigger × every credential, over HTTP, on two gunicorn processes.

Two gunicorn processes (production settings, one worker each) share the test database (PostgreSQL) and a
private redis-server. For each cell a fresh victim logs in on both doors:

- `S`  a session (session door);
- `L1` a JWT login whose access and refresh tokens nobody touches;
- `H1` a hybrid login (refresh token in a cookie);
- `L2` and `H2` a JWT login and a hybrid login whose refresh tokens a thief has stolen. In the "loop" cells two
  threads keep rotating them (`/jwt/token/refresh/`, `/jwt/hybrid/refresh/`, on both processes in turn) while the
  trigger runs and for a short grace after it; every token they obtain is kept.

Then the trigger runs, and once it has returned every credential issued before it is presented on both
processes: the session on `/session/api/profile/` (403), each access token on `/jwt/api/profile/` (loads the
user), `/jwt/api/notes/` GET and POST (do not), and `/jwt/token/verify/` (401), each refresh token on
`/jwt/token/verify/` and `/jwt/token/refresh/`, each hybrid cookie on `/jwt/hybrid/refresh/` (401). A refresh the
thief *sent* after the trigger returned must not have succeeded either. Triggers that end one login (JWT logout,
an administrator revoking a login or ending a session) must leave the user's other credentials working.
After a deactivation the account is reactivated: nothing old comes back, and a fresh login works.

The API contract (docs/api.md, "Revocation on every path") is what is asserted. `pytest -s` prints the
whole matrix at the end: `dead` where the credential was refused with the exact status, `ALIVE` where it still
worked, `kept`/`GONE` for credentials the trigger must leave alone.
"""
import sys
import time

import pytest
from django.core.management import call_command
from django.db import connection

from tests.support.processes import AppServer, RedisServer, require_redis_binary, wait_until
from tests.support.revocation_matrix.harness import (
    GRACE,
    LEASE_SECONDS,
    RESULTS,
    WARM_REFRESHES,
    Pair,
    Thief,
    client,
    session_login,
    victim_log_in,
)
from tests.support.revocation_matrix.triggers import (
    TRIGGERS,
    Context,
    Row,
    fresh_login_works,
    present_everything,
    print_matrix,
)
from tests.support.suite import PASSWORD, require_service
from tests.support.wire import ROOT

# The cells write committed data the servers can see, and nothing is flushed until the whole matrix has run: a
# flush between cells would renumber the content types, which the servers cache (the admin log's foreign key then
# fails). Each cell has its own users, so cells cannot see each other's state.
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

@pytest.mark.django_db  # also makes pytest-django create the test database when this module runs alone
def test_the_matrix_has_a_trigger_for_every_path_of_the_contract():
    """API.md, "Revocation on every path": JWT logout, logout-all, password change through each door, the admin's
    form, changepassword and set_password() + save(); deactivation by the service, the admin form and save();
    deletion; an administrator ending a login; and writes that bypass save() (ORM expressions, _base_manager, a
    bulk_create upsert, raw SQL UPDATE and DELETE)."""
    assert set(TRIGGERS) == {
        "jwt_logout", "jwt_logout_all", "password_session_door", "password_jwt_door", "password_admin_form",
        "password_changepassword", "password_shell", "deactivate_service", "deactivate_admin_form",
        "deactivate_shell", "delete", "admin_revoke_family", "admin_end_session",
        # Writes that bypass User.save(): ORM expressions and other managers, an upsert, raw SQL.
        "deactivate_orm_update_zero", "deactivate_value_expression", "deactivate_case_when", "deactivate_string_false",
        "deactivate_base_manager", "password_bulk_create_upsert", "password_base_manager", "password_raw_sql",
        "deactivate_raw_sql", "delete_raw_sql"}


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Database access without a test transaction for the whole module; empty the database afterwards."""
    with django_db_blocker.unblock():
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def pair(committed_db, tmp_path_factory):
    """One gunicorn pair for the whole matrix (each cell has its own user); prints the matrix at the end."""
    require_service("PostgreSQL", connection.vendor == "postgresql")
    require_redis_binary()
    directory = tmp_path_factory.mktemp("revocation_matrix")
    redis_server = RedisServer(directory).start()
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "revocation-matrix-secret-" + "s" * 30, "JWT_SIGNING_KEY": "revocation-matrix-jwt-" + "j" * 30,
        "COOKIE_SECURE": "0", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "LOGIN_RATE": "1000/min",
        "REFRESH_RATE": "100000/min",  # the thief refreshes as fast as the servers answer
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_server.url,
        "REVOCATION_LEASE_SECONDS": str(LEASE_SECONDS),  # raw-SQL cells wait one lease out (triggers.write_path)
    }
    apps: list[AppServer] = []
    try:
        for name in "ab":
            # One after the other: a port is only taken once its server listens, so two servers picked at once
            # would both get the same "free" port.
            app = AppServer(env=env, log=directory / f"{name}.log")
            apps.append(app.start(sys.executable, ROOT))
            wait_until(app.listening, timeout=30, what=f"gunicorn on port {app.port} listening")
        assert len({app.port for app in apps}) == 2
        yield Pair(apps, redis_server)
    finally:
        for app in apps:
            app.stop()
        redis_server.stop()
        print_matrix()


@pytest.fixture
def in_process(settings, pair):
    """This process writes as the servers do: same Redis (revocation store, session cache), PBKDF2 hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": pair.redis.url, "KEY_PREFIX": "tokenlab",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }}
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    settings.REVOCATION_LEASE_SECONDS = LEASE_SECONDS
    return pair


# --- the test ---------------------------------------------------------------------------------------------------------
def run_cell(pair: Pair, name: str, loop: bool) -> list[Row]:
    trigger = TRIGGERS[name]
    victim = victim_log_in(pair.ports)
    ctx = Context(pair, victim)
    if trigger.admin:
        ctx.admin_client()
    if trigger.actor == "session":
        ctx.actor = session_login(ctx.b, victim.user.username)
    elif trigger.actor == "jwt":
        ctx.actor = client(ctx.b).token_pair(victim.user.username, PASSWORD)
    thieves = [Thief(pair.ports, victim.loop_jwt, hybrid=False), Thief(pair.ports, victim.loop_hybrid, hybrid=True)]
    try:
        if loop:
            for thief in thieves:
                thief.start()
            wait_until(lambda: all(t.successes >= WARM_REFRESHES for t in thieves), timeout=20,
                       what="the thief's refresh loops rotating")
            # Fire while a refresh is in flight on A (the HTTP triggers go to B): the race issue #8 is about.
            thieves[0].sending_to_a.clear()
            thieves[0].sending_to_a.wait(timeout=2)
        trigger.run(ctx)
        returned = time.monotonic()
        for thief in thieves:
            thief.trigger_returned = returned
        if loop:
            time.sleep(GRACE)
    finally:
        for thief in thieves:
            thief.stopping.set()
        for thief in thieves:
            if thief.is_alive():
                thief.join(timeout=15)
    assert not [e for t in thieves for e in t.errors], [e for t in thieves for e in t.errors]

    row = Row()
    row.cells["loop"] = f"{len(victim.loop_jwt.refresh) - 1}+{len(victim.loop_hybrid.refresh) - 1}"
    for column, chain, group in (("loop:after", victim.loop_jwt, "L2"), ("loop:hyb-after", victim.loop_hybrid, "H2")):
        if loop and group in trigger.ends:
            row.record(column, ok=chain.after == 0, expect_dead=True,
                       what=f"{chain.after} refreshes sent after the trigger returned succeeded")
    present_everything(pair, victim, trigger.ends, row)
    if ctx.actor_check is not None:
        row.record("actor", ok=ctx.actor_check(), expect_dead=False, what="the device that changed the password")
    rows = [row]
    if trigger.reactivate is not None:
        trigger.reactivate(ctx)
        again = Row()
        present_everything(pair, victim, trigger.ends, again)
        again.record("fresh", ok=fresh_login_works(pair, victim.user.username), expect_dead=False,
                     what="a fresh login after reactivation")
        rows.append(again)
    return rows


@pytest.mark.parametrize("loop", [False, True], ids=["still", "loop"])
@pytest.mark.parametrize("name", list(TRIGGERS))
def test_nothing_issued_before_a_trigger_works_after_it(in_process, name, loop):
    rows = run_cell(in_process, name, loop)
    label = f"{name} {'loop' if loop else 'still'}"
    RESULTS[label] = rows[0].cells
    if len(rows) > 1:
        RESULTS[f"{label} +react"] = rows[1].cells
    problems = [f"{label}{' (after reactivation)' if i else ''}: {', '.join(r.failures())}\n  " + "\n  ".join(r.details)
                for i, r in enumerate(rows) if r.failures()]
    assert not problems, "\n".join(problems)

