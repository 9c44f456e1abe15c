"""Outages of a backing service (database, Redis) become 503 with Retry-After — never a 500, never fail-open."""

import logging
import time

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from redis.exceptions import RedisError

logger = logging.getLogger("tokenlab.outage")

RETRY_AFTER_SECONDS = 5
_last_logged: dict[str, float] = {}


class BackendUnavailable(Exception):
    """A backing service needed to answer safely is unreachable; `service` names it ("database", "redis")."""

    def __init__(self, service: str):
        super().__init__(service)
        self.service = service


def _service_of(exc: BaseException) -> str:
    if isinstance(exc, BackendUnavailable):
        return exc.service
    if isinstance(exc, RedisError):
        return "redis"
    return "database"


def _log_once(service: str, exc: BaseException) -> None:
    """Log an outage once per service per minute instead of once per request."""
    now = time.monotonic()
    if now - _last_logged.get(service, -1e9) > 60:
        _last_logged[service] = now
        logger.error("%s unavailable: %s: %s", service, type(exc).__name__, exc)


def service_unavailable_response(exc: BaseException) -> HttpResponse:
    service = _service_of(exc)
    _log_once(service, exc)
    response = JsonResponse(
        {"detail": "A backing service is unavailable; try again shortly.", "code": "service_unavailable"},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_outage(exc: BaseException) -> bool:
    """Tell whether `exc` means a backing service is down (as opposed to a bug or bad input)."""
    if isinstance(exc, (BackendUnavailable, RedisError, OperationalError, InterfaceError)):
        return True
    # psycopg reports a dropped connection as a plain DatabaseError in some paths.
    return type(exc) is DatabaseError


class ServiceUnavailableMiddleware:
    """Turn an outage raised anywhere in the request (session load, view, template) into a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except Exception as exc:
            if is_outage(exc):
                return service_unavailable_response(exc)
            raise

    def process_exception(self, request, exception):
        if is_outage(exception):
            return service_unavailable_response(exception)
        return None
