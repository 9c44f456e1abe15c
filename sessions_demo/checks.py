"""Checks of the session door: its store implements the contract (always), its cookies are Secure (`--deploy`).

Registered in this app's `ready()`; the cookie check with `deploy=True`, so it runs under `--deploy` only
(`--fail-level WARNING` in CI makes it blocking).
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from sessions_demo.backends.base import UserSessionStore, engine_store


@register(Tags.security, deploy=True)
def check_session_cookies(app_configs=None, **kwargs):
    """Secure cookies outside debug: the session cookie, and the hybrid refresh cookie, which follows it."""
    if settings.DEBUG or settings.SESSION_COOKIE_SECURE:
        return []
    return [Warning(
        "SESSION_COOKIE_SECURE is off outside debug: the session cookie and the hybrid refresh cookie "
        "(/jwt/hybrid/) would travel over plain HTTP.",
        hint="Unset COOKIE_SECURE (it defaults to on).", id="tokenlab.W013")]


@register(Tags.compatibility)
def check_session_engine(app_configs=None, **kwargs):
    """The configured SESSION_ENGINE implements Token Lab's session store contract (sessions_demo.backends.base)."""
    try:
        store = engine_store()
    except ImportError as exc:
        return [Error(f"SESSION_ENGINE {settings.SESSION_ENGINE!r} cannot be imported: {exc}.", id="tokenlab.E030")]
    if isinstance(store, type) and issubclass(store, UserSessionStore):
        return []
    return [Error(
        f"SESSION_ENGINE {settings.SESSION_ENGINE!r} does not implement Token Lab's session store contract: it "
        "cannot list or end a user's sessions, so logging out everywhere, a password change or a suspension "
        "could not end them.",
        hint="Use sessions_demo.backends.db or sessions_demo.backends.cached_db, or a store that subclasses "
             "sessions_demo.backends.base.UserSessionStore.",
        id="tokenlab.E030")]
