"""One request interface, two ways to deliver it: Django's test `Client` in this process, or HTTP on loopback.

Every request is described by the exact HTTP/1.1 bytes a client would send (`wire_request`), so "bytes of the
request" means the same thing in both modes. Credentials travel only in explicit headers: no transport keeps a
cookie jar, so a request never carries a cookie the variant did not ask for.
"""

import json
import socket
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from django.test import Client

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Response:
    """What the benchmark needs from a response: status, new cookies (name → value), body bytes."""

    status: int
    cookies: dict = field(default_factory=dict)
    body: bytes = b""

    def json(self):
        return json.loads(self.body)


def wire_request(method: str, path: str, headers: dict, body: bytes = b"", host: str = HOST) -> bytes:
    """Return the HTTP/1.1 request a minimal client sends: request line, Host, the given headers, body."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_body(data: dict) -> tuple[dict, bytes]:
    return {"Content-Type": "application/json"}, json.dumps(data).encode()


def form_body(data: dict) -> tuple[dict, bytes]:
    from urllib.parse import urlencode

    return {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(data).encode()


class Transport:
    """Send one request and return a `Response`. Subclasses say how."""

    name = "abstract"

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes = b"") -> Response:
        raise NotImplementedError("subclasses of Transport must provide a request() method")


class InProcessTransport(Transport):
    """Django's test `Client`: the whole middleware and view stack, no sockets, no server process.

    Exceptions raised by a view propagate (a benchmark of an error page would measure the wrong thing).
    """

    name = "in-process"

    def __init__(self):
        self.client = Client(raise_request_exception=True, REMOTE_ADDR=HOST)

    def request(self, method, path, headers=None, body=b""):
        headers = dict(headers or {})
        content_type = headers.pop("Content-Type", "application/octet-stream")
        response = self.client.generic(method, path, data=body, content_type=content_type,
                                       headers={"Host": HOST, **headers})
        self.client.cookies = SimpleCookie()  # no jar: credentials are sent explicitly, every time
        cookies = {name: morsel.value for name, morsel in response.cookies.items()}
        return Response(response.status_code, cookies, response.content)


class HTTPTransport(Transport):
    """A raw socket per request to a server on loopback (`Connection: close`, as gunicorn's sync workers do)."""

    name = "http"

    def __init__(self, port: int, timeout: float = 10.0):
        self.port = port
        self.timeout = timeout

    def request(self, method, path, headers=None, body=b""):
        raw = wire_request(method, path, {**(headers or {}), "Connection": "close"}, body)
        with socket.create_connection((HOST, self.port), timeout=self.timeout) as sock:
            sock.sendall(raw)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return parse_response(b"".join(chunks))


def parse_response(data: bytes) -> Response:
    """Parse a complete HTTP/1.1 response (read until the server closed the connection)."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    cookies: dict = {}
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "set-cookie":
            jar = SimpleCookie()
            jar.load(value.strip())
            cookies.update({k: m.value for k, m in jar.items()})
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    return Response(status, cookies, _dechunk(body) if chunked else body)


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)
