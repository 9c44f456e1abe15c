"""What the console reads: live logins across users, one user's logins and events, the dashboard's numbers.

Every state comes from accounts.logins, whose door sources list the logins: nothing here knows which door a login
came through.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone
from redis.exceptions import RedisError

from accounts import logins
from accounts.devices import device_name
from accounts.models import AuthEvent, LoginEnd, User
from denylist import revocation
from denylist.reasons import Reason
from httpkit.redis_primary import primary_status

DOORS = ["session", "jwt", "hybrid", "admin"]
CHARTED_EVENTS = [
    (AuthEvent.Kind.LOGIN, "Logins"),
    (AuthEvent.Kind.LOGIN_FAILED, "Failed logins"),
    (AuthEvent.Kind.LOGIN_THROTTLED, "Throttled attempts"),
    (AuthEvent.Kind.REFRESH_REUSE, "Refresh-token reuse"),
]
FAILURES = [AuthEvent.Kind.LOGIN_FAILED, AuthEvent.Kind.LOGIN_THROTTLED]
TOP = 10
# Fields of the Redis copy counted at most: past this the dashboard says "at least".
REDIS_SCAN_LIMIT = 200_000


def live_sessions(now: datetime | None = None) -> QuerySet:
    """Session rows that are live by accounts.logins' rule: not expired, not behind the user's cut-off."""
    return logins.live_rows(logins.source("session"), now=now)


def live_token_logins(now: datetime | None = None) -> QuerySet:
    """Token families that are live by accounts.logins' rule: not revoked, not past their absolute end, not
    behind the user's cut-off."""
    return logins.live_rows(logins.source("token"), now=now)


def live_counts(now: datetime | None = None) -> dict[str, int]:
    """Return how many logins are live on each door ({"session": 3, "jwt": 5, "hybrid": 0}), every door listed."""
    counts: dict[str, int] = {}
    for source in logins.sources():
        counts.update(dict.fromkeys(source.doors, 0))
        for row in logins.live_rows(source, now=now).values("door").annotate(n=Count("pk")).order_by():
            counts[row["door"]] = row["n"]
    return counts


# --- one user ------------------------------------------------------------------------------------------------
# How long an ended or expired login stays in a user's "ended" list: the same period for both doors.
ENDED_SHOWN = timedelta(days=7)
USER_EVENTS = 30
LOGINS_SHOWN = 100  # the newest logins of a user read for one page, live and ended


@dataclass(frozen=True)
class EndedLogin:
    """One line of a user's "ended" list. `login` is the Login when its door still holds it (every token login,
    an expired session); the session door keeps nothing of a session once it ends, so a session's line is built
    from what was recorded when it ended (the history of ends, its logout event) and `login` is None."""

    at: datetime
    kind: str  # "session" or "token"
    door: str
    what: str
    state: str  # "ended: <why>", "ended by ..." or "expired"
    device: str = ""
    ip: str | None = None
    login: logins.Login | None = None


@dataclass(frozen=True)
class UserLogins:
    """A user's logins as the console shows them: live ones per door, and those that ended in ENDED_SHOWN."""

    sessions: list[logins.Login]
    tokens: list[logins.Login]
    ended: list[EndedLogin]


def user_get(user_id: int) -> User | None:
    """Return the user with primary key `user_id`, or None."""
    return get_user_model().objects.filter(pk=user_id).first()


def user_events(user: User, *, limit: int = USER_EVENTS) -> list[AuthEvent]:
    """Return the user's latest auth events, newest first."""
    return list(AuthEvent.objects.filter(user=user)[:limit])


def user_logins(user: User, now: datetime | None = None) -> UserLogins:
    """Return the user's live logins on both doors and what ended (or expired) within ENDED_SHOWN, newest first.

    Both doors are shown the same way: a login leaves the live tables the moment it ends and appears in the
    ended list with when, why and (for an administrator's action) by whom, for the same ENDED_SHOWN.
    """
    now = now or timezone.now()
    since = now - ENDED_SHOWN
    found = logins.login_list(user_id=user.pk, live_only=False, limit=LOGINS_SHOWN)
    ended = [_ended_login(login) for login in found if not login.state.is_live and login.state.at >= since]
    held = {login.id for login in found}
    for end in LoginEnd.objects.filter(user_id=user.pk, created__gte=since).order_by("-created", "-id"):
        state = logins.LoginState(logins.ENDED, end.created, end.reason, end.by_username)
        if end.login.startswith("s-"):
            ended.append(EndedLogin(end.created, "session", "session", f"session {end.login[2:10]}…",
                                    _ended(state.why)))
        elif end.login.startswith("t-") and end.login not in held:
            # A token login `manage.py purge` has already deleted (its refresh tokens expired): listed from the
            # record of its end, as a session is, for the same period.
            ended.append(EndedLogin(end.created, "token", "", f"token login {end.login[2:10]}…", _ended(state.why)))
        elif not end.login and end.cutoff is not None:
            state = logins.LoginState(logins.ENDED, end.cutoff, end.reason, end.by_username)
            ended.append(EndedLogin(end.cutoff, "session", "session",
                                    f"any session signed in before {end.cutoff:%Y-%m-%d %H:%M:%S}",
                                    _ended(state.why)))
    # A session the user logged out of leaves its logout event (with the device and address it came from).
    for event in AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.LOGOUT, door="session",
                                          created__gte=since):
        why = logins.LoginState(logins.ENDED, event.created, Reason.LOGOUT).why
        ended.append(EndedLogin(event.created, "session", "session", "session", _ended(why),
                                device=device_name(event.user_agent) if event.user_agent else "", ip=event.ip))
    ended.sort(key=lambda line: line.at, reverse=True)
    live = [login for login in found if login.state.is_live]
    return UserLogins(sessions=[login for login in live if login.kind == "session"],
                      tokens=[login for login in live if login.kind == "token"], ended=ended)


def _ended(why: str) -> str:
    """Return the state of an ended login in words: "ended: logged out", "ended by administrator alice"."""
    return why if why.startswith("ended") else f"ended: {why}"


def _ended_login(login: logins.Login) -> EndedLogin:
    what = f"session {login.facts.key[:8]}…" if login.kind == "session" else f"token login {login.facts.key[:8]}…"
    state = logins.EXPIRED if login.state.status == logins.EXPIRED else _ended(login.state.why)
    return EndedLogin(login.state.at, login.kind, login.door, what, state,
                      device=login.device, ip=login.ip, login=login)


RedisCopy = revocation.CopyStatus


def redis_copy(now: datetime | None = None) -> RedisCopy:
    """Read the Redis copy of the revocation store (denylist.revocation.copy_status); "disabled" without Redis."""
    if not settings.REDIS_URL:
        return RedisCopy("disabled", {})
    return revocation.copy_status(now or timezone.now(), limit=REDIS_SCAN_LIMIT)


def health() -> dict:
    """Return {"database": ..., "redis": ...}: "ok", "unavailable" or (Redis) "disabled"; with sentinels also
    "redis_primary": {"address", "role", "run_id"} of the primary in use, or None while none answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    if not settings.REDIS_URL:
        return {"database": database, "redis": "disabled"}
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
        redis = "ok"
    except RedisError:
        redis = "unavailable"
    if not settings.REDIS_SENTINELS:
        return {"database": database, "redis": redis}
    try:
        primary = primary_status()
    except RedisError:
        primary = None
    return {"database": database, "redis": redis, "redis_primary": primary}


def event_counts(*, since: datetime) -> dict:
    """Return {kind: {door: count}} of the charted auth events since `since` (every door, zeros included)."""
    counts = {kind.value: dict.fromkeys(DOORS, 0) for kind, _label in CHARTED_EVENTS}
    rows = (AuthEvent.objects.filter(created__gte=since, kind__in=list(counts))
            .values("kind", "door").annotate(n=Count("id")))
    for row in rows:
        door = row["door"] or "other"  # events recorded without a door: a shell, a management command
        for doors in counts.values():
            doors.setdefault(door, 0)
        counts[row["kind"]][door] += row["n"]
    return counts


def event_timeline(*, now: datetime, hours: int = 24) -> dict:
    """Return {"hours": [ISO hour, ...], kind: [count per hour]} of the charted events, oldest hour first."""
    start = (now - timedelta(hours=hours - 1)).replace(minute=0, second=0, microsecond=0)
    buckets = [start + timedelta(hours=i) for i in range(hours)]
    series = {kind.value: [0] * hours for kind, _label in CHARTED_EVENTS}
    rows = (AuthEvent.objects.filter(created__gte=start, kind__in=list(series))
            .annotate(hour=TruncHour("created")).values("hour", "kind").annotate(n=Count("id")))
    index = {b: i for i, b in enumerate(buckets)}
    for row in rows:
        i = index.get(row["hour"])
        if i is not None:
            series[row["kind"]][i] += row["n"]
    return {"hours": [b.isoformat() for b in buckets], **series}


def failing_most(*, since: datetime) -> dict:
    """Return the accounts (as typed) and the addresses with the most failed or throttled logins since `since`."""
    failures = AuthEvent.objects.filter(created__gte=since, kind__in=FAILURES)
    accounts = (failures.exclude(username="").values("username").annotate(n=Count("id")).order_by("-n", "username"))
    addresses = (failures.exclude(ip__isnull=True).values("ip").annotate(n=Count("id")).order_by("-n", "ip"))
    return {"accounts": list(accounts[:TOP]), "addresses": list(addresses[:TOP])}


def dashboard(now: datetime | None = None) -> dict:
    """Every number of the console's dashboard, read now."""
    now = now or timezone.now()
    database = revocation.entry_counts()
    return {
        "now": now,
        "live": live_counts(now),
        "revocations": database,
        "redis_copy": redis_copy(now),
        "events_hour": event_counts(since=now - timedelta(hours=1)),
        "events_day": event_counts(since=now - timedelta(hours=24)),
        "timeline": event_timeline(now=now),
        "failing": failing_most(since=now - timedelta(hours=24)),
        "health": health(),
    }
