"""The JWT door's logins for accounts.logins: one per token family (body tokens or the hybrid cookie)."""

from django.db.models import Q

from accounts.logins import LoginFacts, LoginSource
from jwt_demo import services
from jwt_demo.models import TokenFamily, is_family_id


def family_facts(family: TokenFamily) -> LoginFacts:
    """Return a token family as login facts: its own end is `revoked_at`, its absolute end `absolute_expires_at`."""
    return LoginFacts(key=family.id, door=family.door, user_id=family.user_id, created=family.created,
                      expires_at=family.absolute_expires_at, user_agent=family.user_agent, ip=family.ip,
                      last_seen=family.last_refreshed or family.created, ended_at=family.revoked_at,
                      ended_reason=family.revoked_reason)


class TokenLoginSource(LoginSource):
    kind = "token"
    prefix = "t"
    doors = ("jwt", "hybrid")

    def rows(self):
        return TokenFamily.objects.all()

    def open_q(self, *, now):
        return Q(revoked_at__isnull=True, absolute_expires_at__gt=now)

    def row_facts(self, row):
        return family_facts(row)

    def get(self, *, user_id, key):
        if not is_family_id(key):
            return None
        families = TokenFamily.objects.filter(pk=key)
        family = (families if user_id is None else families.filter(user_id=user_id)).first()
        return family_facts(family) if family is not None else None

    def end(self, *, user_id, key, reason):
        family = TokenFamily.objects.filter(user_id=user_id, pk=key).first() if is_family_id(key) else None
        if family is None:
            return False
        services.token_family_end(family=family, reason=reason)
        return True

    def current_key(self, request):
        # request.auth is the verified access token (its claims in `.claims`) or the claims themselves.
        auth = getattr(request, "auth", None)
        claims = getattr(auth, "claims", auth)
        family = getattr(claims, "family", None)
        return family if isinstance(family, str) else None
