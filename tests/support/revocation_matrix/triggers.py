"""The revocation matrix's triggers, and how every credential is presented afterwards and the matrix printed."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from io import StringIO
from unittest import mock

from django.core.management import call_command

from accounts import services as accounts
from accounts.models import User
from tests.support.revocation_matrix.harness import (
    COLUMNS,
    EVERYTHING,
    LEASE_SECONDS,
    NEW_PASSWORD,
    RESULTS,
    SAMPLE,
    Chain,
    Pair,
    Victim,
    _cookie_value,
    admin_change_form_save,
    admin_login,
    client,
    form_post,
    hybrid_refresh,
    payload,
    session_login,
)
from tests.support.suite import PASSWORD
from tests.support.wire import Reply, WireClient
from tests.support.write_paths import ENDING_PATHS


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
        "action": "revoke_family", "family": payload(ctx.victim.l2["access"])["fam"], "confirm": "yes",
        "csrfmiddlewaretoken": admin.cookies["csrftoken"]})
    assert reply.status == HTTPStatus.FOUND, reply.body[:300]


def admin_end_session(ctx: Context) -> None:
    admin = ctx.admin_client()
    path = f"/admin/accounts/user/{ctx.victim.user.pk}/credentials/"
    digests = re.findall(r'name="session" value="([0-9a-f]+)"', admin.call("GET", path).body.decode())
    assert len(digests) == 1, digests  # the victim's one session
    reply = form_post(admin, path, {"action": "end_session", "session": digests[0], "confirm": "yes",
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


def write_path(name: str) -> Callable[[Context], None]:
    """A write to the user row that bypasses `User.save()` (tests/support/write_paths.py), done in this process."""
    path = ENDING_PATHS[name]

    def run(ctx: Context) -> None:
        path.run(ctx.victim.user)
        if path.raw:
            # Raw SQL is seen by the database alone: its triggers record the cut-off, unsynced to Redis, and the
            # servers trust their Redis copy until its lease runs out — by design (DESIGN.md, "Revocation"). The
            # credentials are presented once every lease granted before the write has run out (the extra second
            # covers a lease dated from a check that began just after the write).
            time.sleep(LEASE_SECONDS + 1)

    return run


def write_path_reactivation(name: str) -> Callable[[Context], None] | None:
    path = ENDING_PATHS[name]
    return None if path.reactivate is None else lambda ctx: path.reactivate(ctx.victim.user)


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
    **{name: Trigger(write_path(name), reactivate=write_path_reactivation(name)) for name in ENDING_PATHS},
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
