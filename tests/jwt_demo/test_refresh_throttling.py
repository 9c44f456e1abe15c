"""Refresh rotation is throttled per login (token family, `REFRESH_RATE`) on both refresh endpoints: over the
limit is 429 with `Retry-After`, nothing rotates, the presented token stays good, other logins are untouched."""

from http import HTTPStatus

import pytest
from django.test import Client

from jwt_demo.hybrid import REFRESH_COOKIE
from jwt_demo.models import RefreshToken, TokenFamily
from jwt_demo.throttling import refresh_throttle
from jwt_demo.tokens import REFRESH, codec
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

THROTTLED = {"detail": "Too many refreshes of this login. Expected available in 50 seconds.", "code": "throttled"}


@pytest.fixture
def clock(settings, monkeypatch):
    """REFRESH_RATE=3/min and a throttle clock 10 s into a minute; `clock.advance()` moves to the next window."""

    class Clock:
        now = 1_800_000_010.0

        def advance(self):
            self.now += 60

    clock = Clock()
    settings.REFRESH_RATE = "3/min"
    monkeypatch.setattr(refresh_throttle, "timer", lambda: clock.now)
    return clock


class JwtLogin:
    """A login of the JWT door: the refresh token travels in the body."""

    def __init__(self):
        self.client = Client(REMOTE_ADDR="127.0.0.1")
        self.refresh_token = self.client.post("/jwt/token/", {"username": "alice", "password": PASSWORD},
                                              content_type="application/json").json()["refresh"]

    def refresh(self):
        response = self.client.post("/jwt/token/refresh/", {"refresh": self.refresh_token},
                                    content_type="application/json")
        if response.status_code == HTTPStatus.OK:
            self.refresh_token = response.json()["refresh"]
        return response


class HybridLogin:
    """A login of the hybrid flow: the refresh token travels in the httpOnly cookie."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1")
        self.client.post("/jwt/hybrid/login/", {"username": "alice", "password": PASSWORD},
                         content_type="application/json")

    @property
    def refresh_token(self) -> str:
        return self.client.cookies[REFRESH_COOKIE].value

    def refresh(self):
        return self.client.post("/jwt/hybrid/refresh/", HTTP_X_CSRFTOKEN=self.client.cookies["csrftoken"].value)


LOGINS = {"jwt": JwtLogin, "hybrid": HybridLogin}


@pytest.mark.parametrize("kind", sorted(LOGINS))
def test_refresh_is_throttled_per_login_and_nothing_rotates(kind, clock, user):
    login = LOGINS[kind]()
    for _ in range(3):
        assert login.refresh().status_code == HTTPStatus.OK
    presented = login.refresh_token
    rows_before = list(RefreshToken.objects.order_by("pk").values_list("jti", "rotated_at"))

    response = login.refresh()
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response.json() == THROTTLED
    assert response["Retry-After"] == "50"
    assert response["Cache-Control"] == "no-store"
    assert REFRESH_COOKIE not in response.cookies  # the cookie is neither rotated nor cleared
    assert list(RefreshToken.objects.order_by("pk").values_list("jti", "rotated_at")) == rows_before
    assert TokenFamily.objects.get().revoked_at is None

    # Another login of the same user has its own budget.
    assert LOGINS[kind]().refresh().status_code == HTTPStatus.OK
    # The next window: the very token that was refused rotates (it was never spent, so this is not reuse).
    clock.advance()
    assert login.refresh_token == presented
    assert login.refresh().status_code == HTTPStatus.OK
    claims = codec.decode(presented, token_types=(REFRESH,))
    assert RefreshToken.objects.get(jti=claims.jti).rotated_at is not None


def test_the_default_rate_lets_a_client_refresh_every_few_seconds(settings, monkeypatch, user):
    assert settings.REFRESH_RATE == "30/min"
    monkeypatch.setattr(refresh_throttle, "timer", lambda: 1_800_000_010.0)  # one window for all 31
    login = JwtLogin()
    assert [login.refresh().status_code for _ in range(30)] == [HTTPStatus.OK] * 30
    assert login.refresh().status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_an_invalid_refresh_token_is_401_before_any_counting(clock, user):
    """Only a token whose signature checks out is counted, under its own family: garbage costs no one budget."""
    login = JwtLogin()
    client = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(5):
        response = client.post("/jwt/token/refresh/", {"refresh": login.refresh_token + "x"},
                               content_type="application/json")
        assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert [login.refresh().status_code for _ in range(3)] == [HTTPStatus.OK] * 3
