"""A second origin served by the same server: `localhost` and `127.0.0.1` are two origins to a browser.

The cross-domain claim needs a page on another origin calling Token Lab. On a laptop, the one `make run` server
answers to both `http://127.0.0.1:8000` and `http://localhost:8000` — different origins (and different sites) to
the browser, so a page loaded from one calling the other is a genuine cross-origin call: CORS applies, and
SameSite cookies are not sent. This module lets exactly that pair talk through CORS, and only for the JWT door's
Bearer endpoints (the paths of `CORS_URLS_REGEX`, never the session door): the page on the twin origin may send
a Bearer token it was handed, and cookie-authenticated answers stay unreadable to it.

Loopback hosts always have a twin; a server reached by other names can be given one pair more with
`LAB_TWIN_HOSTS` (e.g. its LAN address and its host name, for a workshop room).
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost

_TWINS = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}


def twin_origin(host: str, scheme: str = "http") -> str | None:
    """Return the twin origin of `host` (`host[:port]` as in a Host header), or None if it has none."""
    try:
        parts = urlsplit(f"//{host}")
        name, port = parts.hostname, parts.port
    except ValueError:
        return None
    pairs = dict(_TWINS)
    if len(settings.LAB_TWIN_HOSTS) == 2:
        first, second = (name.lower() for name in settings.LAB_TWIN_HOSTS)
        pairs.update({first: second, second: first})
    twin = pairs.get(name or "")
    if twin is None:
        return None
    return f"{scheme}://{twin}{f':{port}' if port else ''}"


def request_twin_origin(request) -> str | None:
    """Return the twin origin of the host this request was addressed to, or None."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return twin_origin(host, request.scheme)


def cors_allow_twin(sender, request, **kwargs) -> bool:
    """`corsheaders.signals.check_request_enabled` receiver: allow the twin origin on the JWT door's paths only."""
    origin = request.headers.get("Origin")
    if not origin or not re.match(settings.CORS_URLS_REGEX, request.path_info):
        return False
    return origin == request_twin_origin(request)
