"""The parts of denylist.simplejwt, in process: what a token tells the store, and a refresh token's single use."""

import time

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from denylist import revocation
from denylist.entries import Query
from denylist.models import Revocation
from denylist.simplejwt.claims import login_family, token_query
from denylist.simplejwt.serializers import TokenObtainPairSerializer
from denylist.simplejwt.services import ROTATED, refresh_token_use

pytestmark = pytest.mark.django_db


def test_a_stock_token_is_described_by_jti_user_and_iat(user):
    token = AccessToken.for_user(user)  # simplejwt's own class: no `fam`, no `auth_time`
    query = token_query(token)
    assert query == Query(jti=token["jti"], family=None, user_id=str(user.pk), issued_at_ms=token["iat"] * 1000)
    refresh = RefreshToken.for_user(user)
    assert login_family(refresh) == refresh["jti"]


def test_the_obtain_serializer_names_and_dates_the_login(user):
    before = time.time()
    refresh = TokenObtainPairSerializer.get_token(user)
    access = refresh.access_token
    assert refresh["fam"] == refresh["jti"] == access["fam"]
    assert before - 0.001 <= access["auth_time"] == refresh["auth_time"] <= time.time()
    assert token_query(access).family == refresh["jti"]


def test_a_refresh_token_is_used_once_then_its_use_is_reuse(user):
    exp = time.time() + 60
    assert refresh_token_use(jti="a" * 32, expires_at=exp, user_id=user.pk) is None
    assert refresh_token_use(jti="a" * 32, expires_at=exp, user_id=user.pk) == ROTATED
    assert revocation.is_revoked(Query(jti="a" * 32))
    assert Revocation.objects.get(key="a" * 32).reason == ROTATED


def test_a_refresh_token_revoked_otherwise_is_not_reuse(user):
    revocation.revoke_token(jti="b" * 32, expires_at=time.time() + 60, user_id=user.pk, reason="logout")
    assert refresh_token_use(jti="b" * 32, expires_at=time.time() + 60, user_id=user.pk) == "logout"


def test_the_login_instant_is_read_to_the_millisecond(user):
    token = AccessToken.for_user(user)
    for milliseconds in (1700000000123, 1700000000999, 1700000000001):
        token["auth_time"] = milliseconds / 1000
        assert token_query(token).issued_at_ms == milliseconds
    token["auth_time"] = 1.001  # 1.001 * 1000 is 1000.9999999999999 in binary floating point
    assert token_query(token).issued_at_ms == 1001
