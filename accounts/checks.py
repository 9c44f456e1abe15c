"""Deployment checks (`manage.py check --deploy`) of the account services: the login throttle's shared counters.

Registered with `deploy=True` (in this app's `ready()`), so they run under `--deploy` only; `--fail-level WARNING`
in CI makes every one of them blocking.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """Production without Redis: the login and refresh throttles count in each process's own memory."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or "redis" in backend.lower():
        return []
    return [Warning(
        "DEBUG is off and the default cache is not Redis: the login and refresh throttles count per process, "
        "so the real limit is the rate times the number of workers (and hosts).",
        hint="Set REDIS_URL so every worker shares one counter (embedded mode is for a laptop).",
        id="tokenlab.W022")]


