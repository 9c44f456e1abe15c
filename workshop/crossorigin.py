"""The cross-origin demo: a page served from a second loopback origin that calls the JWT API with a Bearer token.

"Cross-domain: JWT in a header works across domains" needs two origins. Token Lab is one (say
http://127.0.0.1:8000); this module serves a single static page from another (http://127.0.0.1:8001) — a
different port is a different origin to the browser. The page logs in through `/jwt/token/` and calls
`/jwt/api/*` with `Authorization: Bearer`, which works only when Token Lab lists the page's origin in
`CORS_ALLOWED_ORIGINS`. It also tries the hybrid refresh endpoint, which is never offered cross-origin.

The server is deliberately tiny (http.server): it serves the rendered page and the site stylesheet, nothing
else, and binds to loopback addresses only.
"""

import ipaddress
import re
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

STYLESHEET = "tokenlab/site.css"
_HOSTNAME = re.compile(r"[a-z0-9.-]+|[0-9a-f:.]+")  # a DNS name or IP literal: nothing that could break out of JS


class DemoConfigError(ValueError):
    """The demo cannot be served as asked (bad API origin, non-loopback host, same origin as the API)."""


def origin_normalize(url: str) -> str:
    """Return `url` as an origin (`scheme://host[:port]`), or raise DemoConfigError."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise DemoConfigError(f"{url!r} is not a URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"} \
            or parts.query or parts.fragment or parts.username or parts.password:
        raise DemoConfigError(f"{url!r} is not an origin like http://127.0.0.1:8000")
    if not _HOSTNAME.fullmatch(parts.hostname):
        raise DemoConfigError(f"{url!r} does not name a host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def host_check_loopback(host: str) -> None:
    """Raise DemoConfigError unless `host` is a loopback address: the demo server has no business elsewhere."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise DemoConfigError(f"{host} is not a loopback address; the demo binds to 127.0.0.1, ::1 or localhost")


def page_render(*, api_origin: str) -> bytes:
    """Render the demo page for the Token Lab instance at `api_origin`."""
    return render_to_string("workshop/cross_origin.html", {"api_origin": api_origin}).encode()


class DemoServer(ThreadingHTTPServer):
    """Serve `/` (the page) and `/site.css`; every other path is 404. Stop with `shutdown()`."""

    daemon_threads = True
    verbose = False  # log each request to stderr (the command turns it on)

    def __init__(self, *, host: str, port: int, api_origin: str):
        host_check_loopback(host)
        self.api_origin = origin_normalize(api_origin)
        shown_host = f"[{host}]" if ":" in host else host
        self.origin = f"http://{shown_host}:{port}"
        if self.origin == self.api_origin:
            raise DemoConfigError("the demo must run on another origin than the API; pick another port")
        self.page = page_render(api_origin=self.api_origin)
        stylesheet = finders.find(STYLESHEET)
        with open(stylesheet, "rb") as handle:
            self.stylesheet = handle.read()
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _DemoHandler)
        self.origin = f"http://{shown_host}:{self.server_address[1]}"  # the real port when 0 was asked for


class _DemoHandler(BaseHTTPRequestHandler):
    server_version = "TokenLabCrossOriginDemo"
    sys_version = ""

    def do_GET(self):  # noqa: N802 - the name http.server dispatches to
        path = self.path.split("?", 1)[0]
        if path == "/":
            self._send(200, "text/html; charset=utf-8", self.server.page)
        elif path == "/site.css":
            self._send(200, "text/css; charset=utf-8", self.server.stylesheet)
        else:
            self._send(404, "text/plain; charset=utf-8", b"Not found.\n")

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

