"""Measure one request for the guided lab: bytes on the wire, database queries, Redis commands and milliseconds.

A lab page that wants the cost of a request it makes adds the header `X-Lab-Measure: 1`; the answer then carries
`X-Lab-Measure: {"ms": ..., "db": ..., "redis": ..., ...}` describing that very request, as this server handled
it. Requests without the header are not touched (one dictionary lookup). Only counts, table names and Redis
command names are reported — never SQL, parameters, keys or values — and the header that asks is left out of
the byte count, so the numbers are those of the same request made without the lab.

The numbers tell server timings and table names, so they are answered only where the lab is served — `DEBUG` on,
or `LAB_MEASURE` on (a room on `make serve`) — and only to a logged-in user: the request carried a live session
or a valid access token, or made one (a login). Anyone else gets the response alone.
"""

import contextvars
import json
import re
import time

from django.conf import settings
from django.contrib.auth import get_user
from django.db import connection
from rest_framework.exceptions import AuthenticationFailed

from bench.instruments import RequestCounts
from jwt_demo.authentication import JWTAuthentication
from workshop.serviceb import LabTokenAuthentication

REQUEST_META = "HTTP_X_LAB_MEASURE"
RESPONSE_HEADER = "X-Lab-Measure"
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)
BEARER_AUTHENTICATION = (JWTAuthentication, LabTokenAuthentication)
_MAX_NAMES = 12  # tables and commands listed per request: enough to explain the counts, bounded

_current: contextvars.ContextVar["Tally | None"] = contextvars.ContextVar("lab_measure", default=None)


class Tally(RequestCounts):
    """What one request cost (the benchmark's per-request counts), filled in as the request runs."""

    def query(self, sql: str) -> None:
        self.queries += 1
        if len(self.tables) < _MAX_NAMES:
            match = _TABLE.search(sql)
            self.tables.append(match[1] if match else sql.split(None, 1)[0].upper())

    def redis(self, names: list[str]) -> None:
        self.redis_commands += len(names)
        self.redis_round_trips += 1
        room = _MAX_NAMES - len(self.commands)
        self.commands.extend(names[:max(room, 0)])


def _on_query(execute, sql, params, many, context):
    tally = _current.get()
    if tally is not None:
        tally.query(sql)
    return execute(sql, params, many, context)


def _redis_hooks_ensure() -> None:
    """Make every Redis client of the process count its commands for the request being measured.

    Installed once, on redis-py's classes rather than on one client: caches are per thread, so the revocation
    store, the session cache and this request may each hold a different `Redis` instance. The wrappers only count
    while a measured request runs in the current context (a context variable), and otherwise just call through.
    """
    if not settings.REDIS_URL:
        return
    import redis.client

    original = redis.client.Redis.execute_command
    if not getattr(original, "lab_measure", False):
        def execute_command(self, *args, **options):
            tally = _current.get()
            if tally is not None:
                tally.redis([str(args[0]).upper()])
            return original(self, *args, **options)

        execute_command.lab_measure = True
        redis.client.Redis.execute_command = execute_command
    pipeline_execute = redis.client.Pipeline.execute
    if not getattr(pipeline_execute, "lab_measure", False):
        def execute(self, *args, **kwargs):
            tally = _current.get()
            if tally is not None and self.command_stack:
                tally.redis([str(command[0][0]).upper() for command in self.command_stack])
            return pipeline_execute(self, *args, **kwargs)

        execute.lab_measure = True
        redis.client.Pipeline.execute = execute


def _request_bytes(request) -> tuple[int, int, str]:
    """Return (bytes of the request line, headers and body; bytes of its credential; what the credential was)."""
    meta = request.META
    size = len(f"{request.method} {request.get_full_path()} HTTP/1.1\r\n")
    for key, value in meta.items():
        if key == REQUEST_META:
            continue
        if key.startswith("HTTP_") or key in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
            if key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and not value:
                continue
            name = key[5:] if key.startswith("HTTP_") else key
            size += len(name) + 2 + len(str(value)) + 2
    size += 2
    try:
        size += int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        pass
    authorization = meta.get("HTTP_AUTHORIZATION")
    if authorization:
        return size, len(authorization), "Authorization header"
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session:
        return size, len(settings.SESSION_COOKIE_NAME) + 1 + len(session), f"{settings.SESSION_COOKIE_NAME} cookie"
    return size, 0, "none"


def _response_bytes(response) -> int:
    size = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n") + 2
    size += sum(len(name) + 2 + len(str(value)) + 2 for name, value in response.items())
    size += sum(len(morsel.OutputString()) + len("Set-Cookie: \r\n") for morsel in response.cookies.values())
    if not response.streaming:
        size += len(response.content)
    return size


def lab_served() -> bool:
    """Tell whether this server serves the lab's measurements (read per request: tests may change either)."""
    return settings.DEBUG or settings.LAB_MEASURE


def logged_in(request) -> bool:
    """Tell whether the request, once answered, belongs to a logged-in user of either door.

    In order, cheapest first: the user the view authenticated; else the session's user (a view that does not
    authenticate by session, e.g. the token refresh, replaces `request.user` with an anonymous one); else a valid,
    unrevoked Bearer token — an access token, or service B's lab copy of one, issued to logged-in users only.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    if hasattr(request, "session") and get_user(request).is_authenticated:
        return True
    for authentication in BEARER_AUTHENTICATION:
        try:
            if authentication().authenticate(request) is not None:
                return True
        except AuthenticationFailed:
            continue
    return False


class LabMeasureMiddleware:
    """Put the cost of a request that asks for it (`X-Lab-Measure`) in the response's `X-Lab-Measure` header,
    where the lab is served and for logged-in users only (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REQUEST_META not in request.META or not lab_served():
            return self.get_response(request)
        tally = Tally()
        token = _current.set(tally)
        try:
            _redis_hooks_ensure()
            started = time.perf_counter()
            with connection.execute_wrapper(_on_query):
                response = self.get_response(request)
            elapsed_ms = (time.perf_counter() - started) * 1000
        finally:
            _current.reset(token)
        if not logged_in(request):
            return response
        request_bytes, credential_bytes, credential = _request_bytes(request)
        response[RESPONSE_HEADER] = json.dumps({
            "ms": round(elapsed_ms, 2),
            "db": tally.queries,
            "tables": tally.tables,
            "redis": tally.redis_commands,
            "redis_round_trips": tally.redis_round_trips,
            "commands": tally.commands,
            "request_bytes": request_bytes,
            "credential_bytes": credential_bytes,
            "credential": credential,
            "response_bytes": _response_bytes(response),
            "redis_enabled": bool(settings.REDIS_URL),
        }, separators=(",", ":"))
        return response
