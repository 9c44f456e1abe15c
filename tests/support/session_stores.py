"""The session stores every store-contract test runs over, and a signed-in browser of the session door."""

from http import HTTPStatus

from django.test import Client

from tests.support.suite import PASSWORD

# Engine -> the fixture it needs: cached_db runs against a private redis-server in both modes (tests.support.fixtures).
STORES = {
    "db": ("sessions_demo.backends.db", None),
    "cached_db": ("sessions_demo.backends.cached_db", "own_redis"),
}


def signed_in(username: str, agent: str) -> Client:
    """A browser logged in through the session door's login page with user agent `agent`."""
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/session/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    return client


def is_signed_in(client: Client) -> bool:
    """Ask the session door's API: True for the profile (200), False for anonymous (403); anything else fails."""
    status = client.get("/session/api/profile/").status_code
    assert status in {HTTPStatus.OK, HTTPStatus.FORBIDDEN}, status
    return status == HTTPStatus.OK
