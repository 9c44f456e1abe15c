"""Listing and ending a user's sessions (devices)."""

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from sessions_demo.models import DeviceSession, is_session_digest


def _store_class():
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def session_list(*, user_id: int) -> QuerySet[DeviceSession]:
    """Return the user's live sessions, most recently seen first."""
    return DeviceSession.objects.filter(user_id=user_id, expire_date__gt=timezone.now()).order_by("-last_seen")


def session_end(*, user_id: int, digest: str, reason: str = "revoked") -> bool:
    """End one of the user's sessions by its public digest; False when the user has no such session."""
    if not is_session_digest(digest):
        return False
    key = DeviceSession.objects.filter(user_id=user_id, digest=digest).values_list("session_key", flat=True).first()
    if key is None:
        return False
    _store_class().end_sessions([key], user_id=user_id, reason=reason)
    return True


def session_end_all(*, user_id: int, except_key: str | None = None, reason: str = "revoked") -> int:
    """End every session of the user but `except_key`; return how many ended."""
    keys = list(DeviceSession.objects.filter(user_id=user_id).exclude(session_key=except_key or "")
                .values_list("session_key", flat=True))
    _store_class().end_sessions(keys, user_id=user_id, reason=reason)
    return len(keys)
