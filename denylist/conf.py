"""The revocation store's settings, read when used, with defaults for a project that only adds `denylist`."""

from datetime import timedelta

from django.conf import settings

DEFAULTS = {
    # The database alone is the store; a Redis fast path is one setting away (denylist.backends.redis).
    "REVOCATION_BACKEND": "denylist.backends.db.DatabaseRevocationBackend",
    "REVOCATION_LEASE_SECONDS": 5,
    "REVOCATION_REDIS_KEY": "tokenlab:revocations",
    "JWT_LEEWAY": 0,
}
# Token Lab's own lifetime settings (seconds); a simplejwt project has its lifetimes in SIMPLE_JWT instead.
_LIFETIME_SETTINGS = ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME", "REFRESH_ABSOLUTE_LIFETIME")
_SIMPLE_JWT_LIFETIMES = ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME", "SLIDING_TOKEN_REFRESH_LIFETIME")


def setting(name: str):
    """Return `settings.<name>`, or the store's default when the project does not set it."""
    return getattr(settings, name, DEFAULTS[name])


def longest_credential_lifetime() -> int:
    """Seconds after which every credential issued now has expired, whichever door or library issued it."""
    seconds = [settings.SESSION_COOKIE_AGE]
    seconds += [getattr(settings, name) for name in _LIFETIME_SETTINGS if hasattr(settings, name)]
    simple_jwt = getattr(settings, "SIMPLE_JWT", None) or {}
    seconds += [int(simple_jwt[name].total_seconds()) for name in _SIMPLE_JWT_LIFETIMES
                if isinstance(simple_jwt.get(name), timedelta)]
    return max(seconds)
