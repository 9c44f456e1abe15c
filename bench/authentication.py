"""The baseline's stand-in for authentication: an identity that is asserted, never proven.

Mounted only by `config.bench_urls`, used only while `manage.py authbench` runs (in-process, or in the
loopback gunicorn servers of `--http`). Never route it in `config.urls`: it is an open door by design.
"""

from rest_framework.authentication import BaseAuthentication

from jwt_demo.tokens import TokenUser

HEADER = "X-Bench-User"
_META = "HTTP_" + HEADER.upper().replace("-", "_")


class AssertedUserAuthentication(BaseAuthentication):
    """Believe the `X-Bench-User: <user id>` header and check nothing: no credential, no query, no Redis.

    Return `(TokenUser(id), None)` when the header holds a user id, None otherwise (DRF then answers 403). The
    view behind it does exactly the work it does behind a real door, which makes it the baseline.
    """

    def authenticate(self, request):
        raw = request.META.get(_META, "")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return None
        return TokenUser(int(raw)), None
