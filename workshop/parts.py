"""Count each door's moving parts for one user, live: endpoints, stored rows, keys and per-request checks."""

from django.urls import URLPattern, URLResolver, get_resolver

from denylist import revocation
from jwt_demo.keys import keyring
from jwt_demo.models import RefreshToken, TokenFamily
from sessions_demo.models import DeviceSession

SESSION_CHECKS = ("read the cookie", "find the session row (cache or database)", "session not expired")
JWT_CHECKS = ("three canonical base64url segments", "algorithm pinned by the server", "known key id (kid)",
              "signature", "issuer (iss)", "audience (aud)", "expiry (exp)", "token type (typ and token_type)",
              "denylist: token id, login and user cut-off")


def _routes(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _endpoints(prefix: str) -> list[str]:
    return sorted(f"/{route}" for route in _routes(get_resolver().url_patterns) if route.startswith(prefix))


def moving_parts(*, user_id: int) -> dict:
    """Return both doors' parts: what a participant must understand to reason about each one."""
    session_endpoints = _endpoints("session/")
    jwt_endpoints = _endpoints("jwt/") + _endpoints(".well-known/")
    families = TokenFamily.objects.filter(user_id=user_id)
    return {
        "session": {
            "endpoints": len(session_endpoints), "endpoint_list": session_endpoints,
            "stored_rows": DeviceSession.objects.filter(user_id=user_id).count(),
            "stored_kinds": ["session rows"],
            "keys": 0, "key_note": "none: the id is random, nothing is signed",
            "checks": list(SESSION_CHECKS),
        },
        "jwt": {
            "endpoints": len(jwt_endpoints), "endpoint_list": jwt_endpoints,
            "stored_rows": families.count() + RefreshToken.objects.filter(family__user_id=user_id).count()
            + revocation.user_entry_count(user_id),
            "stored_kinds": ["logins (token families)", "refresh tokens", "revocation entries"],
            "keys": len(keyring().by_kid), "key_note": f"{keyring().algorithm} signing and verifying keys",
            "checks": list(JWT_CHECKS),
        },
    }
