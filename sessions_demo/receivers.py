"""End the user's sessions whenever the account services revoke all of the user's credentials, and admit a new
session only if its login did not overlap such a revocation (accounts.admission)."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError
from django.dispatch import receiver

from accounts.admission import LoginRefused, login_admit, login_instant
from accounts.signals import credentials_revoked
from sessions_demo.backends.base import implements_contract
from sessions_demo.services import LOGIN_AT_KEY, session_end_all, session_start_set


@receiver(credentials_revoked)
def end_sessions_of_user(sender, user, reason, **kwargs):
    session_end_all(user_id=user.pk, reason=reason)


@receiver(user_logged_in, dispatch_uid="tokenlab_session_admit")
def admit_session(sender, request, user, **kwargs):
    """Admit the new session under accounts.admission's rule; else flush it and raise LoginRefused.

    This is what Django's per-request session-hash check would otherwise catch, and what lets the session door
    skip loading the user row on every request (sessions_demo.authentication). The race: a login checks the old
    password; a password change, deactivation or log-out-everywhere commits and ends every session row it can see;
    the login then stores its session after that sweep. So the session, dated at its login instant (when its
    password check began: `LOGIN_AT_KEY` in its data, and its row's `created`), is saved first, naming its user,
    and only then admitted under the user's row lock: a change that commits later sees the row and ends it; one
    that committed earlier (or holds the lock now, and is waited for) makes the admission refuse, and the session
    is flushed before it is ever sent. Callers of login() answer LoginRefused as a wrong password.
    """
    session = getattr(request, "session", None)
    if not implements_contract(session):
        return
    at_ms = login_instant(user)
    session[LOGIN_AT_KEY] = at_ms
    try:
        session.save()
        session_start_set(session_key=session.session_key, at_ms=at_ms)
        login_admit(user=user, at_ms=at_ms)
    except (LoginRefused, IntegrityError) as exc:
        # IntegrityError: the row names a user whose row is gone (deleted while the password was checked).
        session.flush()
        if hasattr(request, "user"):
            request.user = AnonymousUser()
        if isinstance(exc, LoginRefused):
            raise
        raise LoginRefused("the account is gone") from None
