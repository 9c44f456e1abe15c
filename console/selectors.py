"""What the console reads: live logins across users, the dashboard's numbers. Every state by accounts.logins."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone
from redis.exceptions import RedisError

from accounts.logins import cut_off_q
from accounts.models import AuthEvent
from denylist import revocation
from httpkit.redis_primary import primary_status
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession

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


def live_sessions(now: datetime | None = None) -> QuerySet[DeviceSession]:
    """Sessions of a user that are live by accounts.logins' rule: not expired, not behind the user's cut-off."""
    now = now or timezone.now()
    return (DeviceSession.objects.filter(user__isnull=False, expire_date__gt=now)
            .exclude(cut_off_q(created="created", user="user_id")))


def live_token_logins(now: datetime | None = None) -> QuerySet[TokenFamily]:
    """Token families that are live by accounts.logins' rule: not revoked, not past their absolute end, not
    behind the user's cut-off."""
    now = now or timezone.now()
    return (TokenFamily.objects.filter(revoked_at__isnull=True, absolute_expires_at__gt=now)
            .exclude(cut_off_q(created="created", user="user_id")))


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
    tokens = dict.fromkeys(["jwt", "hybrid"], 0)
    for row in live_token_logins(now).values("door").annotate(n=Count("id")):
        tokens[row["door"]] = row["n"]
    database = revocation.entry_counts()
    return {
        "now": now,
        "live": {"session": live_sessions(now).count(), **tokens},
        "revocations": database,
        "redis_copy": redis_copy(now),
        "events_hour": event_counts(since=now - timedelta(hours=1)),
        "events_day": event_counts(since=now - timedelta(hours=24)),
        "timeline": event_timeline(now=now),
        "failing": failing_most(since=now - timedelta(hours=24)),
        "health": health(),
    }
