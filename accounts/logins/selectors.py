"""Read logins: a user's on every door, one by its public id, and the live ones of a door across users."""

from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.utils import timezone

from accounts.logins.sources import Login, LoginSource, login_id_parse, sources
from accounts.logins.state import LoginFacts, live_q, login_state
from accounts.models import LoginEnd
from denylist import revocation


def _endings(user_ids: Iterable[int]) -> dict[int, list[LoginEnd]]:
    found: dict[int, list[LoginEnd]] = {}
    for end in LoginEnd.objects.filter(user_id__in=set(user_ids)).order_by("created", "id"):
        found.setdefault(end.user_id, []).append(end)
    return found


def logins_of(source: LoginSource, facts: list[LoginFacts], now: datetime | None = None, *,
              current: str | None = None) -> list[Login]:
    """Return `facts` of one source (any users) as Logins with their state, in two queries whatever their number
    (the users' cut-offs, their records of ends); `current` is the key of the login a request came with."""
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


def login_list(*, user_id: int, request=None, live_only: bool = True, limit: int | None = None) -> list[Login]:
    """Return the user's logins on every door, newest first; `current` marks the one `request` came with."""
    found: list[Login] = []
    for source in sources():
        current = source.current_key(request) if request is not None else None
        logins = logins_of(source, source.facts(user_id=user_id, live_only=live_only, limit=limit), current=current)
        found += [login for login in logins if login.state.is_live or not live_only]
    found.sort(key=lambda login: login.created, reverse=True)
    return found[:limit] if limit is not None else found


def login_get(*, user_id: int | None, login_id: object, request=None) -> Login | None:
    """Return the login named by the public `login_id` (live or not) if it is the user's — any user's when
    `user_id` is None — or None: unknown, another user's, or malformed."""
    parsed = login_id_parse(login_id)
    if parsed is None:
        return None
    source, key = parsed
    facts = source.get(user_id=user_id, key=key)
    if facts is None:
        return None
    current = source.current_key(request) if request is not None else None
    return logins_of(source, [facts], current=current)[0]


def live_rows(source: LoginSource, *, now: datetime | None = None) -> models.QuerySet:
    """Return the door's live logins across users, as its rows (`LoginSource.rows()`): the rule of `login_state`
    in SQL (`accounts.logins.state.live_q`), for the console's lists and counts."""
    return source.rows().filter(live_q(source.open_q(now=now or timezone.now())))
