"""A user's logins on every door, and the one rule that says whether each is live, expired or ended.

A *login* is one sign-in: a session (session door) or a token family (JWT door, body tokens or the hybrid
cookie). `accounts` knows nothing about cookies or tokens, so each door registers a `LoginSource` in its
`AppConfig.ready()`; the users' own API, the session door's devices page and the admin console all go through
`login_list()`, `login_get()` and `login_end()` here.

State (`login_state`) is computed the same way for both kinds, from what ends a credential on every path:
- *ended* when the login itself was ended (a logout, reuse detection, its user or an administrator), or when a
  user cut-off (revocation entry of kind USER: log out everywhere, password change, suspension, deletion) is
  later than the login's start — which is what the doors check (a JWT's `auth_time`, a session's creation);
- *expired* when its absolute end has passed;
- *live* otherwise.
When and why come from the login row and from `LoginEnd`, the history of ends (the revocation store keeps only
a user's latest cut-off); who, for an administrator's action, from `LoginEnd.by`.

Public ids are `<prefix>-<key>`: `s-<session digest>`, `t-<family id>` — never a session key or a token.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from accounts.devices import device_name
from accounts.models import LoginEnd
from denylist import revocation
from denylist.clock import ms_datetime

LIVE = "live"
EXPIRED = "expired"
ENDED = "ended"

REASONS = {
    "logout": "logged out",
    "reuse": "refresh token reuse detected",
    "logout_everywhere": "logged out everywhere",
    "logout-all": "logged out everywhere",
    "password_changed": "password changed",
    "suspended": "account suspended",
    "deleted": "account deleted",
    "admin": "ended by an administrator",
    "revoked": "ended by its user",
    "user": "ended by its user",
    "expired": "expired",
}

_LOGIN_ID = re.compile(r"(?P<prefix>[a-z])-(?P<key>[0-9a-f]{32})")


@dataclass(frozen=True)
class LoginState:
    """Where a login stands: `status` is LIVE, EXPIRED or ENDED; `at`, `reason` and `by` say when, why, who."""

    status: str
    at: datetime | None = None
    reason: str = ""
    by: str = ""

    @property
    def is_live(self) -> bool:
        return self.status == LIVE

    @property
    def why(self) -> str:
        """Return the reason in words ("logged out everywhere by alice", "ended by administrator alice"), or ""
        for a live login."""
        if self.status == LIVE:
            return ""
        if self.reason == "admin" and self.by:
            return f"ended by administrator {self.by}"
        words = REASONS.get(self.reason, self.reason or "ended")
        return f"{words} by {self.by}" if self.by else words


@dataclass(frozen=True)
class LoginFacts:
    """What a door knows of one login, before the state is decided. `ended_at` is set when the row says so."""

    key: str
    door: str
    user_id: int
    created: datetime
    expires_at: datetime
    user_agent: str = ""
    ip: str | None = None
    last_seen: datetime | None = None
    ended_at: datetime | None = None
    ended_reason: str = ""


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
    """One door's logins. Subclasses set `kind` and `prefix` and implement the three methods below.

    Keys are the door's public ids of its logins (a session digest, a family id: 32 lowercase hex digits).
    """

    kind = ""  # "session" or "token"
    prefix = ""  # one lowercase letter: the public id is f"{prefix}-{key}"

    def facts(self, *, user_id: int, live_only: bool, limit: int | None = None) -> list[LoginFacts]:
        """Return the user's logins, newest first: those not yet ended or expired by their own row if
        `live_only` (user cut-offs are applied by the caller), else every one the door still holds."""
        raise NotImplementedError("subclasses of LoginSource must provide a facts() method")

    def get(self, *, user_id: int, key: str) -> LoginFacts | None:
        """Return the user's login `key` (whatever its state), or None when the door holds no such login."""
        raise NotImplementedError("subclasses of LoginSource must provide a get() method")

    def end(self, *, user_id: int, key: str, reason: str) -> bool:
        """End the user's login `key` at once, on every worker; False when the user has no such login."""
        raise NotImplementedError("subclasses of LoginSource must provide an end() method")

    def current_key(self, request) -> str | None:
        """Return the key of the login that authenticated `request` on this door, or None."""
        raise NotImplementedError("subclasses of LoginSource must provide a current_key() method")


_sources: dict[str, LoginSource] = {}


def source_register(source: LoginSource) -> None:
    """Add a door's source (call from its AppConfig.ready()); registering the same prefix again replaces it."""
    if not re.fullmatch(r"[a-z]", source.prefix):
        raise ValueError("a LoginSource prefix is one lowercase letter")
    _sources[source.prefix] = source


def sources() -> list[LoginSource]:
    """Return every registered source."""
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


# --- the state selector --------------------------------------------------------------------------------------
def _endings(user_ids: Iterable[int]) -> dict[int, list[LoginEnd]]:
    found: dict[int, list[LoginEnd]] = {}
    for end in LoginEnd.objects.filter(user_id__in=set(user_ids)).order_by("created", "id"):
        found.setdefault(end.user_id, []).append(end)
    return found


def login_state(facts: LoginFacts, *, public_id: str, cutoff_ms: int | None, endings: list[LoginEnd],
                now: datetime | None = None) -> LoginState:
    """Decide LIVE, EXPIRED or ENDED for one login (see the module docstring): the earliest end wins.

    `cutoff_ms` is the user's cut-off from the revocation store (None: none); `endings` the user's LoginEnd
    records, oldest first, which name when, why and by whom.
    """
    now = now or timezone.now()
    candidates: list[LoginState] = []
    own = next((e for e in endings if e.login == public_id), None)
    if facts.ended_at is not None:
        by = own.by_username if own is not None else ""
        candidates.append(LoginState(ENDED, facts.ended_at, facts.ended_reason, by))
    elif own is not None:
        candidates.append(LoginState(ENDED, own.created, own.reason, own.by_username))
    # A credential whose login began strictly before the cut-off is dead (denylist.entries.Query.matches, with
    # the login's start at millisecond precision: before the cut-off instant exactly when its ms is smaller).
    if cutoff_ms is not None and facts.created < ms_datetime(cutoff_ms):
        # The earliest recorded cut-off that covers the login says when and why; the store's entry (the latest
        # cut-off only) answers when no record covers it (entries made before records were kept).
        first = next((e for e in endings if not e.login and e.cutoff is not None and facts.created < e.cutoff), None)
        if first is not None:
            candidates.append(LoginState(ENDED, first.cutoff, first.reason, first.by_username))
        else:
            stored = revocation.user_cutoff_ending(facts.user_id)
            candidates.append(LoginState(ENDED, ms_datetime(cutoff_ms), stored.reason if stored else ""))
    if facts.expires_at <= now:
        candidates.append(LoginState(EXPIRED, facts.expires_at, "expired"))
    if not candidates:
        return LoginState(LIVE)
    return min(candidates, key=lambda s: s.at)


def _logins(source: LoginSource, facts: list[LoginFacts], *, current: str | None = None,
            now: datetime | None = None) -> list[Login]:
    user_ids = {f.user_id for f in facts}
    cutoffs = revocation.user_cutoffs(user_ids)
    endings = _endings(user_ids)
    logins = []
    for f in facts:
        public_id = f"{source.prefix}-{f.key}"
        state = login_state(f, public_id=public_id, cutoff_ms=cutoffs.get(f.user_id),
                            endings=endings.get(f.user_id, []), now=now)
        logins.append(Login(public_id, source.kind, f, state, current=current is not None and f.key == current))
    return logins


def logins_of(source: LoginSource, facts: list[LoginFacts], now: datetime | None = None) -> list[Login]:
    """Return `facts` of one source (any users) as Logins with their state: for the console's cross-user lists."""
    return _logins(source, facts, now=now)


def login_list(*, user_id: int, request=None, live_only: bool = True, limit: int | None = None) -> list[Login]:
    """Return the user's logins on every door, newest first; `current` marks the one `request` came with."""
    found: list[Login] = []
    for source in sources():
        current = source.current_key(request) if request is not None else None
        logins = _logins(source, source.facts(user_id=user_id, live_only=live_only, limit=limit), current=current)
        found += [login for login in logins if login.state.is_live or not live_only]
    found.sort(key=lambda login: login.created, reverse=True)
    return found[:limit] if limit is not None else found


def login_get(*, user_id: int, login_id: object, request=None) -> Login | None:
    """Return the user's login named by the public `login_id` (live or not), or None: unknown, another
    user's, or malformed."""
    parsed = login_id_parse(login_id)
    if parsed is None:
        return None
    source, key = parsed
    facts = source.get(user_id=user_id, key=key)
    if facts is None:
        return None
    current = source.current_key(request) if request is not None else None
    return _logins(source, [facts], current=current)[0]


def login_end(*, user_id: int, login_id: object, reason: str, by=None, request=None) -> Login | None:
    """End the user's live login `login_id` at once; return it, now ended (`current` tells whether it was the
    one `request` came with), or None when the user has no such live login. `by` is the administrator acting,
    recorded with the end."""
    login = login_get(user_id=user_id, login_id=login_id, request=request)
    if login is None or not login.state.is_live:
        return None
    source, key = login_id_parse(login_id)
    with transaction.atomic():
        if not source.end(user_id=user_id, key=key, reason=reason):
            return None
        LoginEnd.record(user_id=user_id, login=login.id, reason=reason, by=by)
    return replace(login, state=LoginState(ENDED, timezone.now(), reason, by.get_username() if by else ""))


# --- querysets: the same rule in SQL, for the console's lists and counts ---------------------------------------
def cut_off_q(*, created: str = "created", user: str = "user_id") -> models.Q:
    """Return a condition true for rows whose login (`created`, owner `user`) is behind its user's cut-off: the
    store's own rule in SQL (`denylist.revocation.revoked_before_q`)."""
    return revocation.revoked_before_q(created=created, user=user)
