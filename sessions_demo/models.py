"""Session rows that know their user and device, so sessions can be listed and ended one by one."""

import re

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


def session_digest(session_key: str) -> str:
    """Return the public id of a session: a keyed digest, so pages and URLs never show the session key itself."""
    return salted_hmac("tokenlab.session-digest", session_key).hexdigest()[:32]


_DIGEST = re.compile(r"[0-9a-f]{32}")


def session_user_id(data: dict) -> int | None:
    """Return the id of the user a session's data names (Django's `_auth_user_id`), or None: anonymous, or not
    an id."""
    raw = data.get(SESSION_KEY)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def is_session_digest(value: object) -> bool:
    """Tell whether `value` has the shape of a `session_digest`: anything else names no session.

    Checked before any query, so that input no digest can match is a miss on every database; PostgreSQL would
    otherwise refuse a NUL byte in the parameter with an error, not a miss.
    """
    return isinstance(value, str) and _DIGEST.fullmatch(value) is not None


class DeviceSessionManager(BaseSessionManager):
    def save(self, session_key, session_dict, expire_date):
        """Django's `SessionManager.save()`, for rows that know their user: write the data, expiry, digest and
        user the session names, keeping the row's device and times; no data ends the session.

        Django's version builds a bare row (digest '', no user) and saves it over the existing one, which would
        detach a live session from its user — log out everywhere, a password change and a deactivation would no
        longer end it.
        """
        if not session_dict:
            # Through the store: the session is ended for good (cached copies included), not just its row.
            self.model.get_session_store_class()().delete(session_key)
            return self.model(session_key=session_key, session_data="", expire_date=expire_date)
        row, _ = self.update_or_create(session_key=session_key, defaults={
            "session_data": self.encode(session_dict), "expire_date": expire_date,
            "digest": session_digest(session_key), "user_id": session_user_id(session_dict)})
        return row


class DeviceSession(AbstractBaseSession):
    """A server-side session: Django's session row plus its user, device, address and times."""

    digest = models.CharField(max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="device_sessions"
    )
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    objects = DeviceSessionManager()

    class Meta:
        verbose_name = "session"
        ordering = ["-last_seen"]

    @classmethod
    def get_session_store_class(cls):
        from sessions_demo.backends.db import SessionStore

        return SessionStore

    def __str__(self) -> str:
        return f"session {self.digest[:8]} of {self.user_id or 'anonymous'}"
