"""A login as every page shows it, and the contract each door's source of logins fulfils.

A *login* is one sign-in: a session (session door) or a token family (JWT door, body tokens or the hybrid
cookie). `accounts` knows nothing about cookies or tokens, so each door registers a `LoginSource` in its
`AppConfig.ready()`. Public ids are `<prefix>-<key>`: `s-<session digest>`, `t-<family id>` — never a session key
or a token.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils import timezone

from accounts.devices import device_name
from accounts.logins.state import LoginFacts, LoginState

_LOGIN_ID = re.compile(r"(?P<prefix>[a-z])-(?P<key>[0-9a-f]{32})")


@dataclass(frozen=True)
class Login:
    """One login as pages and the API show it. `id` is public (never a session key or a token)."""

    id: str
    kind: str
    facts: LoginFacts
    state: LoginState
    current: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def door(self) -> str:
        return self.facts.door

    @property
    def user_id(self) -> int:
        return self.facts.user_id

    @property
    def device(self) -> str:
        return device_name(self.facts.user_agent)

    @property
    def user_agent(self) -> str:
        return self.facts.user_agent

    @property
    def ip(self) -> str | None:
        return self.facts.ip

    @property
    def created(self) -> datetime:
        return self.facts.created

    @property
    def last_seen(self) -> datetime | None:
        return self.facts.last_seen

    @property
    def expires_at(self) -> datetime:
        return self.facts.expires_at


class LoginSource:
    """One door's logins. Subclasses set `kind`, `prefix` and `doors` and implement the methods that raise below.

    Keys are the door's public ids of its logins (a session digest, a family id: 32 lowercase hex digits). The
    door's login rows, across users, are a queryset (`rows`) whose rows have `user` (a foreign key: `user_id`),
    `created` (when the login began), `ip`, `user_agent` and `door`; a row says by itself whether it has ended
    or expired (`open_q`), and the user cut-offs of the revocation store say the rest (`accounts.logins.state`).
    """

    kind = ""  # "session" or "token"
    prefix = ""  # one lowercase letter: the public id is f"{prefix}-{key}"
    doors: tuple[str, ...] = ()  # the doors its logins come through, as auth events name them

    def rows(self) -> models.QuerySet:
        """Return every login row of the door that names a user, across users, with a `door` field or annotation."""
        raise NotImplementedError("subclasses of LoginSource must provide a rows() method")

    def open_q(self, *, now: datetime) -> models.Q:
        """Return the condition on `rows()` true for logins that their own row does not say ended or expired at
        `now` (a user's cut-off is not the row's to say)."""
        raise NotImplementedError("subclasses of LoginSource must provide an open_q() method")

    def row_facts(self, row) -> LoginFacts:
        """Return one row of `rows()` as login facts."""
        raise NotImplementedError("subclasses of LoginSource must provide a row_facts() method")

    def get(self, *, user_id: int | None, key: str) -> LoginFacts | None:
        """Return the login `key` (whatever its state) of the user `user_id`, or of any user when None; None when
        the door holds no such login."""
        raise NotImplementedError("subclasses of LoginSource must provide a get() method")

    def end(self, *, user_id: int, key: str, reason: str) -> bool:
        """End the user's login `key` at once, on every worker; False when the user has no such login."""
        raise NotImplementedError("subclasses of LoginSource must provide an end() method")

    def current_key(self, request) -> str | None:
        """Return the key of the login that authenticated `request` on this door, or None."""
        raise NotImplementedError("subclasses of LoginSource must provide a current_key() method")

    def facts(self, *, user_id: int, live_only: bool, limit: int | None = None) -> list[LoginFacts]:
        """Return the user's logins, newest first: those not yet ended or expired by their own row if
        `live_only` (user cut-offs are applied by the caller), else every one the door still holds."""
        rows = self.rows().filter(user_id=user_id)
        if live_only:
            rows = rows.filter(self.open_q(now=timezone.now()))
        rows = rows.order_by("-created")
        return [self.row_facts(row) for row in (rows[:limit] if limit is not None else rows)]


_sources: dict[str, LoginSource] = {}


def source_register(source: LoginSource) -> None:
    """Add a door's source (call from its AppConfig.ready()); registering the same prefix again replaces it."""
    if not re.fullmatch(r"[a-z]", source.prefix):
        raise ValueError("a LoginSource prefix is one lowercase letter")
    _sources[source.prefix] = source


def sources() -> list[LoginSource]:
    """Return every registered source, in the order the doors registered them."""
    return list(_sources.values())


def source(kind: str) -> LoginSource:
    """Return the registered source of `kind` ("session" or "token"); LookupError when no door registered it."""
    for found in _sources.values():
        if found.kind == kind:
            return found
    raise LookupError(f"no login source of kind {kind!r} is registered")


def login_id_parse(login_id: object) -> tuple[LoginSource, str] | None:
    """Return (source, key) for a public login id, or None for anything no login can have (malformed, NUL...)."""
    if not isinstance(login_id, str) or len(login_id) > 40:
        return None
    match = _LOGIN_ID.fullmatch(login_id)
    if match is None or match["prefix"] not in _sources:
        return None
    return _sources[match["prefix"]], match["key"]
