"""Listing and ending a user's sessions (devices)."""

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import AuthEvent
from accounts.services import auth_event_record
from denylist.clock import ms_datetime
from denylist.reasons import Reason
from sessions_demo.backends.base import user_session_store
from sessions_demo.models import DeviceSession, is_session_digest

# In a logged-in session's data: its login instant (Unix ms), when the password check that started it began.
LOGIN_AT_KEY = "_tokenlab_login_at"


def session_list(*, user_id: int) -> QuerySet[DeviceSession]:
    """Return the user's live sessions, most recently seen first."""
    return user_session_store().user_sessions(user_id=user_id)


def session_end(*, user_id: int, digest: str, reason: str = Reason.REVOKED) -> bool:
    """End one of the user's sessions by its public digest; False when the user has no such session."""
    if not is_session_digest(digest):
        return False
    store = user_session_store()
    key = store.user_sessions(user_id=user_id).filter(digest=digest).values_list("session_key", flat=True).first()
    if key is None:
        return False
    store.end_sessions([key], user_id=user_id, reason=reason)
    return True


def session_end_all(*, user_id: int, except_key: str | None = None, reason: str = Reason.REVOKED) -> int:
    """End every session of the user but `except_key`; return how many ended."""
    store = user_session_store()
    # Every row of the user, expired ones included: ending all must leave nothing that could be presented.
    keys = list(DeviceSession.objects.filter(user_id=user_id).exclude(session_key=except_key or "")
                .values_list("session_key", flat=True))
    store.end_sessions(keys, user_id=user_id, reason=reason)
    return len(keys)


def sessions_end_others(*, user, except_key: str | None, ip: str | None = None) -> int:
    """End every session of `user` but `except_key` (the devices page's "end all the others") and record it as one
    SESSION_REVOKED event through the session door; return how many ended."""
    with transaction.atomic():
        ended = session_end_all(user_id=user.pk, except_key=except_key)
        auth_event_record(kind=AuthEvent.Kind.SESSION_REVOKED, user=user, door="session", ip=ip,
                          detail=f"{ended} other sessions")
    return ended


def session_start_set(*, session_key: str, at_ms: int) -> None:
    """Date a new session's row at its login instant (Unix ms), which user cut-offs are compared with."""
    DeviceSession.objects.filter(session_key=session_key).update(created=ms_datetime(at_ms))
