"""Small real HTTP servers on this suite's loopback ports (18340-18379) for the verifier's tests."""

import json
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tests.support.loopback import bind_first_free, serving

PORTS = range(18340, 18380)


def _bind(factory):
    return bind_first_free(PORTS, factory)


class JWKSServer(ThreadingHTTPServer):
    """Serve one JSON document at /jwks.json (`body` may be replaced) and count the requests it gets."""

    daemon_threads = True

    def __init__(self, port: int, document: dict):
        self.body = json.dumps(document).encode()
        self.status = 200
        self.hits = 0
        super().__init__(("127.0.0.1", port), _JWKSHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/jwks.json"


class _JWKSHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server dispatches to
        self.server.hits += 1
        status, body = (self.server.status, self.server.body) if self.path == "/jwks.json" else (404, b"{}")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # keep test output quiet
        pass


@contextmanager
def jwks_server(document: dict):
    """Serve `document` as a JWKS; yield the server (`.url`, `.hits`, `.body`, `.status`)."""
    with serving(_bind(lambda port: JWKSServer(port, document))) as server:
        yield server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def wsgi_server(app):
    """Serve a WSGI app over real HTTP; yield its base URL."""
    server = _bind(lambda port: make_server("127.0.0.1", port, app, server_class=WSGIServer,
                                            handler_class=_QuietHandler))
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}"
