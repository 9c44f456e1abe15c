"""Whether a login is live, expired or ended, and why: the rule in Python and its twin in SQL, side by side.

The rule is the same for both kinds of login, from what ends a credential on every path:
- *ended* when the login itself was ended (a logout, reuse detection, its user or an administrator), or when a
  user cut-off (revocation entry of kind USER: log out everywhere, password change, suspension, deletion) is
  later than the login's start — which is what the doors check (a JWT's `auth_time`, a session's creation);
- *expired* when its absolute end has passed;
- *live* otherwise.

`login_state` decides one login in Python, and says when, why (a `denylist.reasons.Reason`) and — for an
administrator's action — who, from the login's row and from `LoginEnd`, the history of ends (the revocation store
keeps only a user's latest cut-off). `live_q` is the same rule in SQL, for lists and counts across users: the
door's condition on its own rows, and no cut-off of the user later than the login's start.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone

from accounts.models import LoginEnd
from denylist import revocation
from denylist.clock import ms_datetime
from denylist.reasons import Reason, reason_words

LIVE = "live"
EXPIRED = "expired"
ENDED = "ended"


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
        if self.reason == Reason.ADMIN and self.by:
            return f"ended by administrator {self.by}"
        words = reason_words(self.reason)
        return f"{words} by {self.by}" if self.by else words


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
        candidates.append(LoginState(EXPIRED, facts.expires_at, Reason.EXPIRED))
    if not candidates:
        return LoginState(LIVE)
    return min(candidates, key=lambda s: s.at)


def cut_off_q(*, created: str = "created", user: str = "user_id") -> models.Q:
    """Return a condition true for rows whose login (`created`, owner `user`) is behind its user's cut-off: the
    store's own rule in SQL (`denylist.revocation.revoked_before_q`)."""
    return revocation.revoked_before_q(created=created, user=user)


def live_q(own: models.Q) -> models.Q:
    """Return the condition true for live logins among a door's rows (`LoginSource.rows()`): `own`, the door's
    condition for rows that do not say themselves ended or expired (`LoginSource.open_q`), and no cut-off of the
    user later than the login's start — `login_state`'s LIVE, in SQL."""
    return own & ~cut_off_q(created="created", user="user_id")
