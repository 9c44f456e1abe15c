"""The hybrid browser flow's cookie policy and request checks (`/jwt/hybrid/*`).

The pattern: a short-lived access token that the page keeps in a JavaScript variable, and a long-lived refresh
token in a cookie that scripts cannot read. An XSS can then use the access token while it runs, but cannot carry
away the credential that outlives the page (the refresh cookie). Refresh is where revocation happens: every
refresh rotates the token through `jwt_demo.services`, with reuse detection.

A cookie the browser attaches by itself is a CSRF target, and DRF views are CSRF-exempt, so these endpoints
check for themselves, in three layers (any one of which would stop a classic cross-site POST):
- the refresh cookie is `SameSite=Strict` and scoped to `Path=/jwt/hybrid/`: cross-site requests do not carry
  it, and no other page of the site ever sees it;
- Fetch Metadata and `Origin` (RFC 6454): a request that says it comes from another origin, or another site, is
  refused before anything else is read;
- double submit: the `X-CSRFToken` header must equal the `csrftoken` cookie, compared in constant time. A page on
  another origin can neither read that cookie nor set the header on a simple cross-site request.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.middleware.csrf import rotate_token
from django.utils.crypto import constant_time_compare
from rest_framework import exceptions

from jwt_demo.tokens import codec

REFRESH_COOKIE = "tokenlab_refresh"
COOKIE_PATH = "/jwt/hybrid/"
# Fetch Metadata (W3C): "same-site" is refused too; a sibling subdomain is exactly who could toss a csrftoken cookie.
_ALLOWED_FETCH_SITES = {"same-origin", "none"}
_MAX_CSRF_TOKEN = 64


class CrossSiteRefused(exceptions.PermissionDenied):
    """403 for a hybrid request that failed the origin or CSRF check; `code` says which."""

    default_code = "csrf_failed"


def site_origin(request) -> str:
    """Return this site's origin as the browser spells it (`scheme://host[:port]`, lower case)."""
    return f"{request.scheme}://{request.get_host()}".lower()


def request_origin_check(request) -> None:
    """Raise CrossSiteRefused when the request says it comes from another origin or site. Absent headers pass:
    native clients send neither, and browsers always send `Origin` on a cross-origin POST."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None and fetch_site.lower() not in _ALLOWED_FETCH_SITES:
        raise CrossSiteRefused("Cross-site request refused.", "origin_forbidden")
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None and not _is_site_origin(origin, request):
        raise CrossSiteRefused("Origin not allowed.", "origin_forbidden")


def _is_site_origin(origin: str, request) -> bool:
    # "null" (sandboxed frames, file: pages, some redirects) is an opaque origin: never ours.
    if not origin.isascii() or not origin.isprintable():
        return False
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    if not parts.scheme or not parts.netloc or parts.path or parts.query or parts.fragment:
        return False
    return f"{parts.scheme}://{parts.netloc}".lower() == site_origin(request)


def request_csrf_check(request) -> None:
    """Raise CrossSiteRefused unless the origin checks pass and `X-CSRFToken` equals the `csrftoken` cookie."""
    request_origin_check(request)
    cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    header = request.META.get(settings.CSRF_HEADER_NAME, "")
    if not cookie or not header:
        raise CrossSiteRefused("CSRF token missing: send the csrftoken cookie's value in X-CSRFToken.")
    if len(header) > _MAX_CSRF_TOKEN or not constant_time_compare(header, cookie):
        raise CrossSiteRefused("CSRF token incorrect.")


def csrf_cookie_rotate(request) -> None:
    """Issue a fresh `csrftoken` cookie with this response (Django's CsrfViewMiddleware writes it).

    Rotating at login, as Django's own login does, means a csrftoken planted before login (cookie tossing from a
    sibling subdomain) is worthless afterwards.
    """
    rotate_token(getattr(request, "_request", request))


def refresh_cookie_read(request) -> str | None:
    """Return the refresh token the browser sent, or None."""
    return request.COOKIES.get(REFRESH_COOKIE) or None


def refresh_cookie_set(response, *, request, token: str, expires_at: int) -> None:
    """Attach the refresh token: HttpOnly, SameSite=Strict, this flow's path only, gone when the token expires.

    `Secure` follows the site's cookie policy (on outside debug) and is always on for an HTTPS request.
    """
    max_age = max(0, int(expires_at - codec.clock()))
    response.set_cookie(
        REFRESH_COOKIE, token, max_age=max_age, path=COOKIE_PATH, httponly=True, samesite="Strict",
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )


def refresh_cookie_clear(response, *, request) -> None:
    """Expire the refresh cookie in the browser (Max-Age=0 with the same name, path and flags)."""
    response.set_cookie(
        REFRESH_COOKIE, "", max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT", path=COOKIE_PATH, httponly=True,
        samesite="Strict", secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
    )


def access_body(*, access: str, expires_at: int) -> dict:
    """The JSON body of a hybrid login or refresh: the access token and when it dies, never the refresh token.

    `expires_in` (RFC 6749 §5.1) lets the page count down on its own clock, immune to clock skew.
    """
    return {"access": access, "access_expires_at": expires_at, "expires_in": max(0, int(expires_at - codec.clock()))}
