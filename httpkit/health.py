"""`/healthz`: is the database reachable, and Redis when configured? 503 naming the failing part otherwise.

With sentinels (REDIS_SENTINELS) the body also names the primary in use, `"redis_primary": "host:port"` (null
while none can be reached), so an operator watching a failover sees the switch.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from httpkit.outages import RETRY_AFTER_SECONDS
from httpkit.redis_primary import primary_address


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 - any failure to answer SELECT 1 means "down" for a probe
        connection.close_if_unusable_or_obsolete()
        return "unavailable"


def _redis() -> dict:
    """Return {"redis": state} and, with sentinels, {"redis_primary": "host:port" or None}."""
    if not settings.REDIS_URL:
        return {"redis": "disabled"}
    from django_redis import get_redis_connection

    try:
        client = get_redis_connection("default")
        client.ping()
        state = {"redis": "ok"}
        if settings.REDIS_SENTINELS:
            state["redis_primary"] = primary_address(client)
        return state
    except RedisError:  # redis-py's MasterNotFoundError too: no sentinel names a reachable primary
        return {"redis": "unavailable", **({"redis_primary": None} if settings.REDIS_SENTINELS else {})}


@never_cache
@require_GET
def healthz(request):
    body = {"database": _database(), **_redis()}
    failing = [name for name in ("database", "redis") if body[name] == "unavailable"]
    body = {"status": "unavailable" if failing else "ok", **body}
    response = JsonResponse(body, status=503 if failing else 200)
    if failing:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


healthz.json_errors = True  # its errors are JSON too (httpkit.errors.wants_json)
