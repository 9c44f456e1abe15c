"""System checks of the revocation store: Redis clients that see failures (deployment checks, `check --deploy`,
made blocking in CI by `--fail-level WARNING`), and a cut-off horizon that covers every credential (always)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from denylist import conf
from denylist.triggers import CUTOFF_HORIZON_DAYS, integer_key

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


@register(Tags.security)
def check_cutoff_horizon(app_configs=None, **kwargs):
    """A cut-off written by the database's triggers must outlive every credential issued before it."""
    longest = conf.longest_credential_lifetime()
    if longest <= CUTOFF_HORIZON_DAYS * 86400:
        return []
    return [Error(
        f"The longest credential lifetime ({longest} s) exceeds the {CUTOFF_HORIZON_DAYS} days that a cut-off written "
        "by the database (a password or active flag changed outside Token Lab) is kept: such a cut-off would be "
        "purged while credentials it ends could still be presented.",
        hint="Shorten SESSION_COOKIE_AGE or the token lifetimes.", id="tokenlab.E022")]


@register(Tags.security, Tags.models)
def check_user_key(app_configs=None, **kwargs):
    """A user's cut-off is keyed by an integer id: the triggers and receivers that write it need an integer key."""
    from django.contrib.auth import get_user_model

    if integer_key(get_user_model()):
        return []
    return [Warning(
        f"{settings.AUTH_USER_MODEL}'s primary key is not an integer: no cut-off is written when a user's password "
        "changes or the account is deactivated or deleted, so their access tokens live until they expire.",
        hint="The revocation store keys users by integer id (Revocation.user_id): use an integer key.",
        id="tokenlab.W023")]
