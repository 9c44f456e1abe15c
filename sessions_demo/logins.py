"""The session door's logins for accounts.logins: one per session row that names its user."""

from django.utils import timezone

from accounts.logins import LoginFacts, LoginSource
from sessions_demo import services
from sessions_demo.models import DeviceSession, is_session_digest, session_digest


def session_facts(row: DeviceSession) -> LoginFacts:
    """Return a session row as login facts. A session ends by losing its row; its expiry is `expire_date`."""
    return LoginFacts(key=row.digest, door="session", user_id=row.user_id, created=row.created,
                      expires_at=row.expire_date, user_agent=row.user_agent, ip=row.ip, last_seen=row.last_seen)


class SessionLoginSource(LoginSource):
    kind = "session"
    prefix = "s"

    def facts(self, *, user_id, live_only, limit=None):
        rows = DeviceSession.objects.filter(user_id=user_id)
        if live_only:
            rows = rows.filter(expire_date__gt=timezone.now())
        rows = rows.order_by("-created").only("digest", "user_id", "created", "expire_date", "user_agent", "ip",
                                              "last_seen")
        return [session_facts(row) for row in (rows[:limit] if limit is not None else rows)]

    def get(self, *, user_id, key):
        if not is_session_digest(key):
            return None
        row = DeviceSession.objects.filter(user_id=user_id, digest=key).first()
        return session_facts(row) if row is not None else None

    def end(self, *, user_id, key, reason):
        return services.session_end(user_id=user_id, digest=key, reason=reason)

    def current_key(self, request):
        # On a DRF request, only when the session cookie is what authenticated it (a Bearer request may carry one).
        authenticator = getattr(request, "successful_authenticator", None)
        if authenticator is not None and "Session" not in type(authenticator).__name__:
            return None
        session = getattr(request, "session", None)
        key = getattr(session, "session_key", None)
        return session_digest(key) if key else None
