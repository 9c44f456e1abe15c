"""Deployment checks (`manage.py check --deploy`) of the revocation store: Redis clients that see failures.

Registered with `deploy=True` (in this app's `ready()`), so they run under `--deploy` only; `--fail-level WARNING`
in CI makes every one of them blocking.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MAX_REDIS_SOCKET_TIMEOUT = 5.0


@register(Tags.security, Tags.caches, deploy=True)
def check_redis_caches(app_configs=None, **kwargs):
    """Every Redis cache: exceptions visible (the revocation store must see failures), socket timeouts set."""
    problems = []
    global_ignore = getattr(settings, "DJANGO_REDIS_IGNORE_EXCEPTIONS", False)
    for alias, config in settings.CACHES.items():
        if "redis" not in config.get("BACKEND", "").lower():
            continue
        options = config.get("OPTIONS", {})
        if options.get("IGNORE_EXCEPTIONS", global_ignore):
            problems.append(Error(
                f"The Redis cache {alias!r} has IGNORE_EXCEPTIONS on: a Redis failure would read as "
                "\"not revoked\" and as an empty throttle counter.",
                hint="Remove IGNORE_EXCEPTIONS; Token Lab falls back to the database or answers 503 itself.",
                id="tokenlab.E020"))
        for option in ("SOCKET_TIMEOUT", "SOCKET_CONNECT_TIMEOUT"):
            value = options.get(option)
            if value is None or not 0 < float(value) <= MAX_REDIS_SOCKET_TIMEOUT:
                problems.append(Warning(
                    f"The Redis cache {alias!r} has {option} = {value!r}: a hung Redis would hold workers.",
                    hint=f"Set it between 0 and {MAX_REDIS_SOCKET_TIMEOUT} s (REDIS_SOCKET_TIMEOUT).",
                    id="tokenlab.W021"))
    return problems
