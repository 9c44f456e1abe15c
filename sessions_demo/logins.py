"""The session door's logins for accounts.logins: one per session row that names its user."""

from django.db.models import CharField, Q, Value

from accounts.logins import LoginFacts, LoginSource
from sessions_demo import services
from sessions_demo.models import DeviceSession, is_session_digest, session_digest

DOOR = "session"


def session_facts(row: DeviceSession) -> LoginFacts:
    """Return a session row as login facts. A session ends by losing its row; its expiry is `expire_date`."""
    return LoginFacts(key=row.digest, door=DOOR, user_id=row.user_id, created=row.created,
                      expires_at=row.expire_date, user_agent=row.user_agent, ip=row.ip, last_seen=row.last_seen)


class SessionLoginSource(LoginSource):
    kind = "session"
    prefix = "s"
    doors = (DOOR,)

    def rows(self):
        # Anonymous sessions are nobody's login. The door is one for every row: an annotation, for filters and counts.
        return (DeviceSession.objects.filter(user__isnull=False)
                .only("digest", "user", "created", "expire_date", "user_agent", "ip", "last_seen")
                .annotate(door=Value(DOOR, output_field=CharField())))

    def open_q(self, *, now):
        # A session that ends loses its row: only its expiry is left for the row to say.
        return Q(expire_date__gt=now)

    def row_facts(self, row):
        return session_facts(row)

    def get(self, *, user_id, key):
        if not is_session_digest(key):
            return None
        row = self.rows().filter(digest=key)
        row = (row if user_id is None else row.filter(user_id=user_id)).first()
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
