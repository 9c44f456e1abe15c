"""Browser-like clients of the session door: they fetch a form, post it back with its CSRF token, follow nothing."""

from http import HTTPStatus

from django.test import Client

from tests.support.suite import PASSWORD

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"


def browser(*, user_agent: str = FIREFOX, ip: str = "127.0.0.1") -> Client:
    """Return a fresh client that enforces CSRF checks like a real browser session would."""
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def csrf_token(client: Client) -> str:
    """Return the client's CSRF cookie value, fetching the login form first if it has none yet."""
    if "csrftoken" not in client.cookies:
        client.get("/session/login/")
    return client.cookies["csrftoken"].value


def post_form(client: Client, path: str, data: dict | None = None, **extra):
    """POST a form as the page would: with the `csrfmiddlewaretoken` field."""
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": csrf_token(client)}, **extra)


def log_in(client: Client, username: str, password: str = PASSWORD, **fields):
    """Submit the login form and return the response."""
    return post_form(client, "/session/login/", {"username": username, "password": password, **fields})


def signed_in(username: str, password: str = PASSWORD, *, user_agent: str = FIREFOX) -> Client:
    """Return a client logged in through the session door."""
    client = browser(user_agent=user_agent)
    response = log_in(client, username, password)
    assert response.status_code == HTTPStatus.FOUND, response.content[:300]
    return client


def session_key(client: Client) -> str:
    return client.cookies["sessionid"].value


def is_signed_in(client: Client) -> bool:
    """Tell whether the client's next request is authenticated (the home page answers instead of redirecting)."""
    response = client.get("/session/")
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND)
    return response.status_code == HTTPStatus.OK
