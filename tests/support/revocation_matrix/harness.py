"""The revocation matrix's harness: the server pair, raw HTTP clients, the victim's logins and the thief
who keeps refreshing stolen ones (tests/integration/test_revocation_matrix.py)."""

import base64
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urlencode
from uuid import uuid4

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import User
from tests.support.processes import AppServer, RedisServer
from tests.support.suite import PASSWORD
from tests.support.wire import Reply, WireClient

NEW_PASSWORD = "a much better passphrase 2027"
GRACE = 0.3  # seconds the thief keeps refreshing after the trigger returned
WARM_REFRESHES = 2  # successful rotations per stolen login before the trigger starts
# The servers' REVOCATION_LEASE_SECONDS: how long their Redis copy of the revocation store is trusted before the
# database is asked again. Short, because raw SQL is seen by the database alone (its triggers record the cut-off
# unsynced to Redis): the contract ends such credentials within one lease, so those cells wait it out.
LEASE_SECONDS = 1
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

