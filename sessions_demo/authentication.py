"""DRF session authentication for the session door's API: the user id from the session, the row only on demand."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from rest_framework.authentication import SessionAuthentication as DRFSessionAuthentication

from accounts.principal import LazyUser
from sessions_demo.backends.base import implements_contract

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def session_user_id(session) -> int | None:
    """Return the id of the user `session` is logged in as, or None (anonymous, unknown backend, malformed id)."""
    raw = session.get(SESSION_KEY)
    if raw is None or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


class SessionAuthentication(DRFSessionAuthentication):
    """DRF's SessionAuthentication (CSRF enforced the same way), without loading the user row per request.

    Django's `get_user()` loads the user on every request to re-check the session's password hash and
    `is_active`. With a Token Lab session store (sessions_demo.backends.base), that work is done once, where it
    changes: every password change, deactivation or deletion of an account — on any path, since the user model
    is the choke point — ends the user's sessions (their rows go, and with Redis their digests are revoked), and
    a login that raced such a change is refused when it is made (sessions_demo.receivers). So the session the
    store just loaded and checked names a user who may use it, and `request.user` is an
    accounts.principal.LazyUser that loads the row only when a view needs more than the id. With any other session
    engine, DRF's own behaviour stands.

    Return None for an anonymous request (DRF then answers 403, the session door's convention).
    """

    def authenticate(self, request):
        session = getattr(request._request, "session", None)
        if not implements_contract(session):
            return super().authenticate(request)
        user_id = session_user_id(session)
        if user_id is None:
            return None
        if request.method not in _SAFE_METHODS:
            # Django's CSRF check accepts safe methods without looking (RFC 9110 §9.2.1): skipping it there is the
            # same answer, without building a CSRF middleware per request.
            self.enforce_csrf(request)
        return LazyUser(user_id), None
