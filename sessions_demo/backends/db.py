"""The session store whose rows know their user: Django's database store plus user, device and times."""

import re

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from sessions_demo.backends.base import UserSessionStore
from sessions_demo.models import DeviceSession, session_digest, session_user_id

# Django mints session keys as 32 characters of [a-z0-9] (SessionBase._get_new_session_key). Anything else in the
# cookie is refused before it reaches a query: PostgreSQL rejects a NUL in a text parameter with a DataError,
# which would turn one forged cookie into a 500.
_SESSION_KEY = re.compile(r"[a-z0-9]{32}")


class SessionStore(UserSessionStore, DBStore):
    """Store sessions in `DeviceSession` rows (Token Lab's session store contract: sessions_demo.backends.base).

    Its async API runs this sync API (sessions_demo.backends.base.UserSessionStore), so `asave()` and `acreate()`
    store the same digest, user and device as `save()` and `create()`.

    An update never re-creates a row: if the row is gone, the session was ended (by its user on another
    device, by an administrator, by a password change) and saving raises UpdateError, which Django's session
    middleware turns into a 400 instead of silently resurrecting the session.
    """

    # Set by DeviceSessionMiddleware before the session is saved; stored when a new session row is created.
    user_agent = ""
    ip = None

    @classmethod
    def get_model_class(cls):
        return DeviceSession

    def _validate_session_key(self, key):
        return isinstance(key, str) and _SESSION_KEY.fullmatch(key) is not None

    def exists(self, session_key):
        # A key Token Lab never mints names no session: answered before a query, like the cookie (see _SESSION_KEY).
        return self._validate_session_key(session_key) and super().exists(session_key)

    def create_model_instance(self, data):
        """Return the row that stores `data`: Django's columns plus the session's digest, user, device and times."""
        now = timezone.now()
        session_key = self._get_or_create_session_key()
        return DeviceSession(
            session_key=session_key, digest=session_digest(session_key), session_data=self.encode(data),
            expire_date=self.get_expiry_date(), user_id=session_user_id(data), user_agent=self.user_agent, ip=self.ip,
            created=now, last_seen=now,
        )

    async def acreate_model_instance(self, data):
        """See create_model_instance()."""
        return await sync_to_async(self.create_model_instance)(data)

    async def _aget_session_from_db(self):
        return await sync_to_async(self._get_session_from_db)()

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        row = self.create_model_instance(self._get_session(no_load=must_create))
        if must_create:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                raise CreateError from None
        # An update keeps the row's digest, device and creation time; it names the user the data now holds.
        elif not DeviceSession.objects.filter(session_key=row.session_key).update(
            session_data=row.session_data, expire_date=row.expire_date, user_id=row.user_id, last_seen=row.last_seen,
        ):
            raise UpdateError

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key is None:
            return
        self.end_sessions([session_key])

    @classmethod
    def user_sessions(cls, *, user_id: int) -> QuerySet[DeviceSession]:
        return DeviceSession.objects.filter(user_id=user_id, expire_date__gt=timezone.now()).order_by("-last_seen")

    @classmethod
    def end_sessions(cls, session_keys: list[str], *, user_id: int | None = None, reason: str = "") -> None:
        """End these sessions for good: their rows go, so the next request that presents one is anonymous."""
        DeviceSession.objects.filter(session_key__in=session_keys).delete()
