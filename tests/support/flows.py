"""What a test does to credentials through the doors: log out, log out everywhere, refresh, and how a door refuses."""

from contextlib import contextmanager
from http import HTTPStatus

from django.db import connections

from denylist import revocation
from tests.support.doors import DoorClient, JWTDoor, SessionDoor
from tests.support.processes import free_port

SESSION_REFUSED = {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
TOKEN_REVOKED = {"detail": "Token has been revoked.", "code": "token_revoked"}
UNAVAILABLE = {"detail": "A backing service is unavailable; try again shortly.", "code": "service_unavailable"}


def log_out(door: DoorClient) -> None:
    """End this one credential through its own door (session logout, or JWT logout of its login)."""
    if isinstance(door, SessionDoor):
        response = door.client.post("/session/logout/", **door.auth_headers(unsafe=True))
        assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    else:
        response = door.client.post("/jwt/logout/", data="", content_type="application/json",
                                    **door.auth_headers(unsafe=True))
        assert response.status_code == HTTPStatus.NO_CONTENT, response.content[:300]


def log_out_everywhere(door: JWTDoor) -> None:
    response = door.client.post("/jwt/logout-all/", data="", content_type="application/json",
                                **door.auth_headers(unsafe=True))
    assert response.status_code == HTTPStatus.NO_CONTENT, response.content[:300]


def refresh(door: JWTDoor):
    """Present the door's refresh token; on success the door carries the rotated pair."""
    response = door.client.post("/jwt/token/refresh/", {"refresh": door.refresh}, content_type="application/json")
    if response.status_code == HTTPStatus.OK:
        door.access, door.refresh = response.json()["access"], response.json()["refresh"]
    return response


def assert_refused(door: DoorClient, response) -> None:
    """The door's answer to a credential that has been ended: 403 anonymous (session) or 401 revoked (JWT)."""
    if isinstance(door, SessionDoor):
        assert (response.status_code, response.json()) == (HTTPStatus.FORBIDDEN, SESSION_REFUSED)
    else:
        assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, TOKEN_REVOKED)


def assert_unavailable(response) -> None:
    assert (response.status_code, response.json()) == (HTTPStatus.SERVICE_UNAVAILABLE, UNAVAILABLE)
    assert response["Retry-After"] == "5"


def another_worker() -> None:
    """Continue as a worker that has not seen what this one saw (no open circuit, no cached client state)."""
    revocation._backend = None


@contextmanager
def database_unreachable():
    """Point the default connection at a loopback port where nothing listens, then restore it.

    A real connection failure from the real driver (PostgreSQL only: an in-memory SQLite test database would
    vanish with its connection). Needs `transactional_db`: the test's own transaction cannot survive this.
    """
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    conn.close()
    conn.settings_dict["PORT"] = str(free_port(18250, 18299))
    conn.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), "connect_timeout": 1}
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict.update(saved)
