"""`/healthz`: is the database reachable, and Redis when configured? 503 naming the failing part otherwise."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from httpkit.outages import RETRY_AFTER_SECONDS


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 - any failure to answer SELECT 1 means "down" for a probe
        connection.close_if_unusable_or_obsolete()
        return "unavailable"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "disabled"
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").ping()
        return "ok"
    except RedisError:
        return "unavailable"


@never_cache
@require_GET
def healthz(request):
    body = {"database": _database(), "redis": _redis()}
    failing = [name for name, state in body.items() if state == "unavailable"]
    body = {"status": "unavailable" if failing else "ok", **body}
    response = JsonResponse(body, status=503 if failing else 200)
    if failing:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


healthz.json_errors = True  # its errors are JSON too (httpkit.errors.wants_json)
