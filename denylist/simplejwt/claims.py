"""What the revocation store reads from a simplejwt token: its id, its login (family), its user and its login time."""


from rest_framework_simplejwt import settings as simplejwt_settings

from denylist import clock
from denylist.entries import Query

FAMILY_CLAIM = "fam"
AUTH_TIME_CLAIM = "auth_time"  # OpenID Connect Core §2: when the login began, in Unix seconds


def api_settings():
    """Return simplejwt's settings. Through the module: simplejwt replaces its `api_settings` object when
    SIMPLE_JWT changes, so a name imported from it goes stale."""
    return simplejwt_settings.api_settings


def login_family(token) -> str:
    """Return the id of the login a token belongs to: its `fam` claim or, for a refresh token obtained without
    one, its own `jti` (which every rotation of it then carries on as `fam`)."""
    return token.get(FAMILY_CLAIM) or token[api_settings().JTI_CLAIM]


def login_time(token):
    """Return when the token's login began (Unix seconds): `auth_time`, or `iat` for a token without one."""
    return token.get(AUTH_TIME_CLAIM, token.get("iat"))


def token_query(token) -> Query:
    """Describe a validated simplejwt token for the revocation store: `jti`, family, user and login instant.

    User cut-offs are compared with the login instant, not the token's own `iat`: a refresh that ran across a
    "log out everywhere" mints tokens dated after the cut-off, and they must die all the same.
    """
    api = api_settings()
    login_at = login_time(token)
    issued_at_ms = clock.claim_ms(login_at) if isinstance(login_at, (int, float)) else None
    return Query(jti=token.get(api.JTI_CLAIM), family=token.get(FAMILY_CLAIM), user_id=token.get(api.USER_ID_CLAIM),
                 issued_at_ms=issued_at_ms)
