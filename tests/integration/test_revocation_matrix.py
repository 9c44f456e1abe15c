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

The API contract (/work/shared/API.md, "Revocation on every path") is what is asserted. `pytest -s` prints the
whole matrix at the end: `dead` where the credential was refused with the exact status, `ALIVE` where it still
worked, `kept`/`GONE` for credentials the trigger must leave alone.
"""

import base64
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from http import HTTPStatus
from io import StringIO
from unittest import mock
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import connection

from accounts import services as accounts
from accounts.models import User
from tests.support.processes import AppServer, RedisServer, require_redis_binary, wait_until
from tests.support.suite import PASSWORD, require_service
from tests.support.wire import ROOT, Reply, WireClient

# The cells write committed data the servers can see, and nothing is flushed until the whole matrix has run: a
# flush between cells would renumber the content types, which the servers cache (the admin log's foreign key then
# fails). Each cell has its own users, so cells cannot see each other's state.
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

NEW_PASSWORD = "a much better passphrase 2027"
GRACE = 0.3  # seconds the thief keeps refreshing after the trigger returned
WARM_REFRESHES = 2  # successful rotations per stolen login before the trigger starts
SAMPLE = 10  # newest tokens of each stolen chain presented afterwards (with the first), to bound the runtime

# --- the matrix -----------------------------------------------------------------------------------------------------
# Credential groups: the logins a victim holds, and the columns that present each one's credentials.
GROUPS = {
    "S": ["session"],
    "L1": ["access:profile", "access:notes", "access:post", "verify:access", "verify:refresh", "refresh"],
    "H1": ["hybrid"],
    "L2": ["loop:access", "loop:refresh", "loop:after"],
    "H2": ["loop:hybrid", "loop:hyb-after"],
}
COLUMNS = [column for columns in GROUPS.values() for column in columns] + ["actor", "fresh"]
EVERYTHING = frozenset(GROUPS)
RESULTS: dict[str, dict[str, str]] = {}


@cache
def password_hash() -> str:
    """The PBKDF2 hash of PASSWORD, computed once: the servers' production settings do not know the suite's MD5."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


def payload(token: str) -> dict:
    """The claims of a JWT, read without checking anything (a JWT's payload is public)."""
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# --- servers ----------------------------------------------------------------------------------------------------------
@dataclass
class Pair:
    """Processes A and B and the redis-server they share."""

    apps: list[AppServer]
    redis: RedisServer

    @property
    def ports(self) -> list[int]:
        return [app.port for app in self.apps]


@pytest.mark.django_db  # also makes pytest-django create the test database when this module runs alone
def test_the_matrix_has_a_trigger_for_every_path_of_the_contract():
    """API.md, "Revocation on every path": JWT logout, logout-all, password change through each door, the admin's
    form, changepassword and set_password() + save(); deactivation by the service, the admin form and save();
    deletion; an administrator ending a login."""
    assert set(TRIGGERS) == {
        "jwt_logout", "jwt_logout_all", "password_session_door", "password_jwt_door", "password_admin_form",
        "password_changepassword", "password_shell", "deactivate_service", "deactivate_admin_form",
        "deactivate_shell", "delete", "admin_revoke_family", "admin_end_session"}


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
    return pair


# --- clients ----------------------------------------------------------------------------------------------------------
def client(port: int, cookies: dict | None = None) -> WireClient:
    return WireClient(port, dict(cookies or {}))


def form_post(web: WireClient, path: str, fields: dict | list) -> Reply:
    return web.call("POST", path, body=urlencode(fields, doseq=True).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"})


def hybrid_refresh(port: int, cookies: dict) -> Reply:
    """Present a hybrid login's cookies (refresh cookie + csrftoken) with the double-submit header."""
    web = client(port, cookies)
    return web.call("POST", "/jwt/hybrid/refresh/", headers={"X-CSRFToken": cookies["csrftoken"]})


def hybrid_login(port: int, username: str) -> dict:
    web = client(port)
    reply = web.post_json("/jwt/hybrid/login/", {"username": username, "password": PASSWORD})
    assert reply.status == HTTPStatus.OK, reply.body[:300]
    assert {"tokenlab_refresh", "csrftoken"} <= web.cookies.keys()
    return {"cookies": dict(web.cookies), "access": reply.json()["access"]}


def session_login(port: int, username: str, password: str = PASSWORD) -> WireClient:
    web = client(port)
    web.session_login(username, password)
    return web


def admin_login(port: int) -> WireClient:
    username = User.objects.create(username=f"admin-{uuid4().hex[:8]}", password=password_hash(), is_staff=True,
                                   is_superuser=True).username
    admin = client(port)
    assert admin.call("GET", "/admin/login/").status == HTTPStatus.OK
    reply = form_post(admin, "/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/",
                                               "csrfmiddlewaretoken": admin.cookies["csrftoken"]})
    assert reply.status == HTTPStatus.FOUND, reply.body[:300]
    return admin


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with the given id (checked boxes, selected options)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.fields.append((name, attributes.get("value") or "on"))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                self.fields.append((name, attributes.get("value") or ""))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attributes:
            self.fields.append((self.select, attributes.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields.append((name, ""))

    def handle_data(self, data):
        if self.textarea:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def admin_change_form_save(admin: WireClient, user_id: int, *, is_active: bool) -> None:
    """Submit the admin's change form of the user as fetched, with `is_active` ticked or not."""
    path = f"/admin/accounts/user/{user_id}/change/"
    page = admin.call("GET", path)
    assert page.status == HTTPStatus.OK, page.body[:300]
    parser = FormFields("user_form")
    parser.feed(page.body.decode())
    fields = [(name, value) for name, value in parser.fields if name != "is_active"]
    assert any(name == "username" for name, _ in fields), "the change form was not found"
    if is_active:
        fields.append(("is_active", "on"))
    fields.append(("_save", "Save"))
    reply = form_post(admin, path, fields)
    assert reply.status == HTTPStatus.FOUND, reply.body[:2000]


# --- the victim and the thief -----------------------------------------------------------------------------------------
@dataclass
class Chain:
    """The tokens of one stolen login, in the order the thief obtained them."""

    access: list[str]
    refresh: list[str]  # refresh tokens (JWT) or refresh cookie jars (hybrid: dicts)
    after: int = 0  # refreshes sent after the trigger returned that succeeded


@dataclass
class Victim:
    user: User
    session: WireClient
    l1: dict
    h1: dict
    l2: dict
    h2: dict
    loop_jwt: Chain = field(init=False)
    loop_hybrid: Chain = field(init=False)

    def __post_init__(self):
        self.loop_jwt = Chain([self.l2["access"]], [self.l2["refresh"]])
        self.loop_hybrid = Chain([self.h2["access"]], [self.h2["cookies"]])


def victim_log_in(ports: list[int]) -> Victim:
    user = User.objects.create(username=f"victim-{uuid4().hex[:10]}", email="victim@example.test",
                               password=password_hash())
    a, b = ports
    with ThreadPoolExecutor(2) as pool:  # each process hashes one password at a time: two at once
        session = pool.submit(session_login, a, user.username)
        l1 = pool.submit(lambda: client(b).token_pair(user.username, PASSWORD))
        h1 = pool.submit(hybrid_login, a, user.username)
        l2 = pool.submit(lambda: client(b).token_pair(user.username, PASSWORD))
        h2 = pool.submit(hybrid_login, a, user.username)
    victim = Victim(user, session.result(), l1.result(), h1.result(), l2.result(), h2.result())
    for port in ports:  # both processes have seen every credential work (warm caches)
        assert client(port, victim.session.cookies).get("/session/api/profile/").status == HTTPStatus.OK
        for token in (victim.l1["access"], victim.l2["access"], victim.h1["access"], victim.h2["access"]):
            assert client(port).get("/jwt/api/profile/", token).status == HTTPStatus.OK
    return victim


class Thief(threading.Thread):
    """Keep rotating one stolen login, alternating processes, as fast as the servers answer."""

    def __init__(self, ports: list[int], chain: Chain, hybrid: bool):
        super().__init__(daemon=True)
        self.ports, self.chain, self.hybrid = ports, chain, hybrid
        self.stopping = threading.Event()
        self.sending_to_a = threading.Event()  # set just before each refresh sent to process A
        self.trigger_returned: float | None = None
        self.successes = 0
        self.errors: list[str] = []

    def run(self):
        turn = 0
        while not self.stopping.is_set():
            port = self.ports[turn % 2]
            turn += 1
            if port == self.ports[0]:
                self.sending_to_a.set()
            sent = time.monotonic()
            try:
                if self.hybrid:
                    reply = hybrid_refresh(port, self.chain.refresh[-1])
                else:
                    reply = client(port).post_json("/jwt/token/refresh/", {"refresh": self.chain.refresh[-1]})
            except OSError as exc:
                self.errors.append(repr(exc))
                continue
            if reply.status == HTTPStatus.OK:
                body = reply.json()
                self.chain.access.append(body["access"])
                if self.hybrid:
                    cookie = reply.headers.get_all("Set-Cookie")
                    jar = dict(self.chain.refresh[-1])
                    jar["tokenlab_refresh"] = _cookie_value(cookie, "tokenlab_refresh")
                    self.chain.refresh.append(jar)
                else:
                    self.chain.refresh.append(body["refresh"])
                self.successes += 1
                if self.trigger_returned is not None and sent > self.trigger_returned:
                    self.chain.after += 1
            elif reply.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
                self.errors.append(f"{reply.status} {reply.body[:200]!r}")
            else:
                time.sleep(0.01)  # refused: the thief keeps trying, gently


def _cookie_value(set_cookie: list[str] | None, name: str) -> str:
    for raw in set_cookie or []:
        match = re.match(rf"{name}=([^;]*)", raw)
        if match:
            return match.group(1)
    raise AssertionError(f"no {name} cookie in {set_cookie}")


# --- triggers ---------------------------------------------------------------------------------------------------------
@dataclass
class Context:
    pair: Pair
    victim: Victim
    actor: WireClient | dict | None = None  # the user's own device that performs the trigger, if any
    actor_check: Callable[[], bool] | None = None  # the credential that device carries on with
    admin: WireClient | None = None

    @property
    def a(self) -> int:
        return self.pair.ports[0]

    @property
    def b(self) -> int:
        return self.pair.ports[1]

    def admin_client(self) -> WireClient:
        if self.admin is None:
            self.admin = admin_login(self.b)
        return self.admin


def jwt_logout(ctx: Context) -> None:
    """The victim logs out the login whose refresh token was stolen (its first access token still works)."""
    reply = client(ctx.b).post_json("/jwt/logout/", {}, ctx.victim.l2["access"])
    assert reply.status == HTTPStatus.NO_CONTENT, reply.body[:300]


def jwt_logout_all(ctx: Context) -> None:
    reply = client(ctx.b).post_json("/jwt/logout-all/", {}, ctx.victim.l1["access"])
    assert reply.status == HTTPStatus.NO_CONTENT, reply.body[:300]


def password_session_door(ctx: Context) -> None:
    actor = ctx.actor
    reply = form_post(actor, "/session/password/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "csrfmiddlewaretoken": actor.cookies["csrftoken"]})
    assert (reply.status, reply.headers["Location"]) == (HTTPStatus.FOUND, "/session/"), reply.body[:300]
    ctx.actor_check = lambda: actor.get("/session/api/profile/").status == HTTPStatus.OK


def password_jwt_door(ctx: Context) -> None:
    reply = client(ctx.b).post_json("/jwt/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                                    ctx.actor["access"])
    assert reply.status == HTTPStatus.OK, reply.body[:300]
    fresh = reply.json()
    ctx.actor_check = lambda: client(ctx.a).get("/jwt/api/profile/", fresh["access"]).status == HTTPStatus.OK


def password_admin_form(ctx: Context) -> None:
    admin = ctx.admin_client()
    path = f"/admin/accounts/user/{ctx.victim.user.pk}/password/"
    reply = form_post(admin, path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
                                    "csrfmiddlewaretoken": admin.cookies["csrftoken"]})
    assert reply.status == HTTPStatus.FOUND, reply.body[:2000]


def password_changepassword(ctx: Context) -> None:
    with mock.patch("getpass.getpass", return_value=NEW_PASSWORD):
        call_command("changepassword", ctx.victim.user.username, stdout=StringIO())


def password_shell(ctx: Context) -> None:
    user = User.objects.get(pk=ctx.victim.user.pk)
    user.set_password(NEW_PASSWORD)
    user.save()


def deactivate_service(ctx: Context) -> None:
    """The admin changelist's "suspend" action, confirmed on its confirmation page (accounts.services.user_suspend)."""
    admin = ctx.admin_client()
    reply = form_post(admin, "/admin/accounts/user/", {
        "action": "suspend", "_selected_action": ctx.victim.user.pk, "index": "0", "confirm": "yes",
        "csrfmiddlewaretoken": admin.cookies["csrftoken"]})
    assert reply.status == HTTPStatus.FOUND, reply.body[:2000]
    assert not User.objects.get(pk=ctx.victim.user.pk).is_active


def deactivate_admin_form(ctx: Context) -> None:
    admin_change_form_save(ctx.admin_client(), ctx.victim.user.pk, is_active=False)
    assert not User.objects.get(pk=ctx.victim.user.pk).is_active


def deactivate_shell(ctx: Context) -> None:
    user = User.objects.get(pk=ctx.victim.user.pk)
    user.is_active = False
    user.save()


def delete(ctx: Context) -> None:
    User.objects.get(pk=ctx.victim.user.pk).delete()


def admin_revoke_family(ctx: Context) -> None:
    admin = ctx.admin_client()
    reply = form_post(admin, f"/admin/accounts/user/{ctx.victim.user.pk}/credentials/", {
        "action": "revoke_family", "family": payload(ctx.victim.l2["access"])["fam"],
        "csrfmiddlewaretoken": admin.cookies["csrftoken"]})
    assert reply.status == HTTPStatus.FOUND, reply.body[:300]


def admin_end_session(ctx: Context) -> None:
    admin = ctx.admin_client()
    path = f"/admin/accounts/user/{ctx.victim.user.pk}/credentials/"
    digests = re.findall(r'name="session" value="([0-9a-f]+)"', admin.call("GET", path).body.decode())
    assert len(digests) == 1, digests  # the victim's one session
    reply = form_post(admin, path, {"action": "end_session", "session": digests[0],
                                    "csrfmiddlewaretoken": admin.cookies["csrftoken"]})
    assert reply.status == HTTPStatus.FOUND, reply.body[:300]


def reactivate_service(ctx: Context) -> None:
    accounts.user_reactivate(user=User.objects.get(pk=ctx.victim.user.pk))


def reactivate_admin_form(ctx: Context) -> None:
    admin_change_form_save(ctx.admin_client(), ctx.victim.user.pk, is_active=True)


def reactivate_shell(ctx: Context) -> None:
    user = User.objects.get(pk=ctx.victim.user.pk)
    user.is_active = True
    user.save()


@dataclass(frozen=True)
class Trigger:
    run: Callable[[Context], None]
    ends: frozenset = EVERYTHING  # the credential groups it must end; the others must keep working
    reactivate: Callable[[Context], None] | None = None
    actor: str | None = None  # "session" or "jwt": a device of the user that performs it (logged in beforehand)
    admin: bool = False  # performed by a superuser logged in to /admin/ (logged in beforehand)


TRIGGERS = {
    "jwt_logout": Trigger(jwt_logout, ends=frozenset({"L2"})),
    "jwt_logout_all": Trigger(jwt_logout_all),
    "password_session_door": Trigger(password_session_door, actor="session"),
    "password_jwt_door": Trigger(password_jwt_door, actor="jwt"),
    "password_admin_form": Trigger(password_admin_form, admin=True),
    "password_changepassword": Trigger(password_changepassword),
    "password_shell": Trigger(password_shell),
    "deactivate_service": Trigger(deactivate_service, reactivate=reactivate_service, admin=True),
    "deactivate_admin_form": Trigger(deactivate_admin_form, reactivate=reactivate_admin_form, admin=True),
    "deactivate_shell": Trigger(deactivate_shell, reactivate=reactivate_shell),
    "delete": Trigger(delete),
    "admin_revoke_family": Trigger(admin_revoke_family, ends=frozenset({"L2"}), admin=True),
    "admin_end_session": Trigger(admin_end_session, ends=frozenset({"S"}), admin=True),
}


# --- presenting the credentials afterwards ---------------------------------------------------------------------------
class Row:
    """One row of the matrix: per column, every (status, expected) seen and what it means."""

    def __init__(self):
        self.cells: dict[str, str] = {}
        self.details: list[str] = []

    def record(self, column: str, *, ok: bool, expect_dead: bool, what: str = "") -> None:
        verdict = ("dead" if ok else "ALIVE") if expect_dead else ("kept" if ok else "GONE")
        worst = {"dead": 0, "kept": 0, "ALIVE": 1, "GONE": 1}
        if column not in self.cells or worst[verdict] > worst[self.cells[column]]:
            self.cells[column] = verdict
        if not ok:
            self.details.append(f"{column}: {what}")

    def failures(self) -> list[str]:
        return [f"{column}={verdict}" for column, verdict in self.cells.items() if verdict in {"ALIVE", "GONE"}]


def check(row: Row, column: str, reply: Reply, *, dead: bool, refused: int, what: str) -> bool:
    """Record one presentation; return whether the credential worked."""
    worked = reply.status < HTTPStatus.BAD_REQUEST
    ok = reply.status == refused if dead else worked
    row.record(column, ok=ok, expect_dead=dead, what=f"{what} -> {reply.status} {reply.body[:120]!r}")
    return worked


def present_everything(pair: Pair, victim: Victim, ends: frozenset, row: Row) -> None:
    """Present every credential the victim (and the thief) hold, on both processes; consuming ones last."""
    ports = pair.ports
    unauthorized, forbidden = HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN
    s_dead, l1_dead, h1_dead = "S" in ends, "L1" in ends, "H1" in ends
    l2_dead, h2_dead = "L2" in ends, "H2" in ends
    l1 = victim.l1
    for port in ports:
        name = "AB"[ports.index(port)]
        check(row, "session", client(port, victim.session.cookies).get("/session/api/profile/"),
              dead=s_dead, refused=forbidden, what=f"session on {name}")
        check(row, "access:profile", client(port).get("/jwt/api/profile/", l1["access"]), dead=l1_dead,
              refused=unauthorized, what=f"profile on {name}")
        check(row, "access:notes", client(port).get("/jwt/api/notes/", l1["access"]), dead=l1_dead,
              refused=unauthorized, what=f"notes on {name}")
        check(row, "access:post", client(port).post_json("/jwt/api/notes/", {"title": "t", "body": "b"},
                                                         l1["access"]),
              dead=l1_dead, refused=unauthorized, what=f"note POST on {name}")
        check(row, "verify:access", client(port).post_json("/jwt/token/verify/", {"token": l1["access"]}),
              dead=l1_dead, refused=unauthorized, what=f"verify access on {name}")
        check(row, "verify:refresh", client(port).post_json("/jwt/token/verify/", {"token": l1["refresh"]}),
              dead=l1_dead, refused=unauthorized, what=f"verify refresh on {name}")
    # The stolen logins: every token the thief obtained if they must be dead; the newest if they must live on
    # (older refresh tokens of a live login are dead by rotation, as they should be).
    present_chain(row, ports, victim.loop_jwt, dead=l2_dead, hybrid=False)
    present_chain(row, ports, victim.loop_hybrid, dead=h2_dead, hybrid=True)
    # Consuming presentations last: a refused one changes nothing, so it is presented on both processes.
    for index, port in enumerate(ports):
        name = "AB"[index]
        reply = client(port).post_json("/jwt/token/refresh/", {"refresh": l1["refresh"]})
        if check(row, "refresh", reply, dead=l1_dead, refused=unauthorized, what=f"refresh on {name}"):
            l1["access"], l1["refresh"] = reply.json()["access"], reply.json()["refresh"]
            break
    for index, port in enumerate(ports):
        reply = hybrid_refresh(port, victim.h1["cookies"])
        if check(row, "hybrid", reply, dead=h1_dead, refused=unauthorized, what=f"hybrid on {'AB'[index]}"):
            victim.h1["cookies"]["tokenlab_refresh"] = _cookie_value(reply.headers.get_all("Set-Cookie"),
                                                                     "tokenlab_refresh")
            break
    for index, port in enumerate(reversed(ports)):
        chain = victim.loop_jwt
        reply = client(port).post_json("/jwt/token/refresh/", {"refresh": chain.refresh[-1]})
        if check(row, "loop:refresh", reply, dead=l2_dead, refused=unauthorized, what=f"newest refresh #{index}"):
            chain.access.append(reply.json()["access"])
            chain.refresh.append(reply.json()["refresh"])
            break
    for index, port in enumerate(reversed(ports)):
        chain = victim.loop_hybrid
        reply = hybrid_refresh(port, chain.refresh[-1])
        if check(row, "loop:hybrid", reply, dead=h2_dead, refused=unauthorized, what=f"newest cookie #{index}"):
            chain.access.append(reply.json()["access"])
            jar = dict(chain.refresh[-1])
            jar["tokenlab_refresh"] = _cookie_value(reply.headers.get_all("Set-Cookie"), "tokenlab_refresh")
            chain.refresh.append(jar)
            break


def present_chain(row: Row, ports: list[int], chain: Chain, *, dead: bool, hybrid: bool) -> None:
    access_column, refresh_column = ("loop:hybrid", "loop:hybrid") if hybrid else ("loop:access", "loop:refresh")
    unauthorized = HTTPStatus.UNAUTHORIZED
    if not dead:
        check(row, access_column, client(ports[0]).get("/jwt/api/notes/", chain.access[-1]), dead=False,
              refused=unauthorized, what="newest access")
        return
    for index, token in sampled(chain.access):
        port, other = ports[index % 2], ports[1 - index % 2]
        check(row, access_column, client(port).post_json("/jwt/token/verify/", {"token": token}), dead=True,
              refused=unauthorized, what=f"verify access #{index}/{len(chain.access)}")
        check(row, access_column, client(other).get("/jwt/api/notes/", token), dead=True, refused=unauthorized,
              what=f"notes with access #{index}/{len(chain.access)}")
    for port in ports:
        check(row, access_column, client(port).get("/jwt/api/profile/", chain.access[-1]), dead=True,
              refused=unauthorized, what="profile with the newest access")
    for index, refresh in sampled(chain.refresh):
        token = refresh["tokenlab_refresh"] if hybrid else refresh
        check(row, refresh_column, client(ports[index % 2]).post_json("/jwt/token/verify/", {"token": token}),
              dead=True, refused=unauthorized, what=f"verify refresh #{index}/{len(chain.refresh)}")


def sampled(tokens: list) -> list[tuple[int, object]]:
    """The first token of a chain and its newest ones: those a refresh in flight at the cut-off produced."""
    indexes = sorted({0, *range(max(0, len(tokens) - SAMPLE), len(tokens))})
    return [(index, tokens[index]) for index in indexes]


def fresh_login_works(pair: Pair, username: str) -> bool:
    a, b = pair.ports
    browser = session_login(a, username)
    tokens = client(b).token_pair(username, PASSWORD)
    return all(client(port, browser.cookies).get("/session/api/profile/").status == HTTPStatus.OK
               and client(port).get("/jwt/api/profile/", tokens["access"]).status == HTTPStatus.OK
               for port in pair.ports)


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


ABBREVIATIONS = {
    "session": "sess", "access:profile": "a:prof", "access:notes": "a:notes", "access:post": "a:post",
    "verify:access": "v:acc", "verify:refresh": "v:ref", "refresh": "refr", "hybrid": "hyb",
    "loop:access": "L:acc", "loop:refresh": "L:ref", "loop:after": "L:after", "loop:hybrid": "L:hyb",
    "loop:hyb-after": "L:hafter", "actor": "actor", "fresh": "fresh", "loop": "rot",
}


def print_matrix() -> None:
    if not RESULTS:
        return
    columns = ["loop", *COLUMNS]
    width = max(map(len, RESULTS)) + 1
    lines = ["", "Revocation matrix (issue #8): dead = refused with the exact status, ALIVE = still worked, "
             "kept/GONE = a credential the trigger must leave alone; rot = rotations by the thief (jwt+hybrid)",
             " " * width + " ".join(f"{ABBREVIATIONS[c]:>8}" for c in columns)]
    for label, cells in RESULTS.items():
        lines.append(f"{label:<{width}}" + " ".join(f"{cells.get(c, '-'):>8}" for c in columns))
    print("\n".join(lines))
