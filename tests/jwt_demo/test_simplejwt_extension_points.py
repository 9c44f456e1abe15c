"""Each simplejwt extension point Token Lab overrides, and the simplejwt fault each override exists to avoid.

simplejwt reads its settings at import (`AccessToken.lifetime`, `state.token_backend`, each view's serializer
path), reads the wall clock in `Token.__init__` and `check_exp`, and turns a backend error into one generic
"Token is invalid". Token Lab's subclasses read settings when used, time from `codec.clock`, and keep each
refusal's own `detail` and `code`.
"""

import json
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework_simplejwt import authentication as simplejwt_authentication
from rest_framework_simplejwt import backends as simplejwt_backends
from rest_framework_simplejwt import exceptions as simplejwt_exceptions
from rest_framework_simplejwt import serializers as simplejwt_serializers
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt import views as simplejwt_views

from jwt_demo import serializers, views
from jwt_demo.authentication import InvalidToken, JWTAuthentication
from jwt_demo.backend import TokenLabBackend, token_backend
from jwt_demo.tokens import (
    ACCESS,
    REFRESH,
    AccessToken,
    RefreshToken,
    TokenCodec,
    TokenError,
    TokenUser,
    UntypedToken,
    codec,
    new_id,
)
from tests.support.suite import PASSWORD

T0 = 1_900_000_000


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(TokenCodec, "clock", staticmethod(lambda: T0))
    return T0


def mint(token_type=ACCESS, **kwargs) -> str:
    return codec.encode(token_type=token_type, user_id=kwargs.pop("user_id", 7), family=kwargs.pop("family", new_id()),
                        **kwargs)[0]


# --- the classes derive from simplejwt's ------------------------------------------------------------------------
def test_token_lab_classes_are_simplejwt_classes():
    assert issubclass(AccessToken, simplejwt_tokens.AccessToken)
    assert issubclass(RefreshToken, simplejwt_tokens.RefreshToken)
    assert issubclass(UntypedToken, simplejwt_tokens.UntypedToken)
    assert issubclass(TokenLabBackend, simplejwt_backends.TokenBackend)
    assert issubclass(JWTAuthentication, simplejwt_authentication.JWTStatelessUserAuthentication)
    assert issubclass(TokenError, simplejwt_exceptions.TokenError)
    assert not issubclass(TokenError, simplejwt_exceptions.TokenBackendError)
    assert issubclass(serializers.TokenObtainPairSerializer, simplejwt_serializers.TokenObtainPairSerializer)
    assert issubclass(serializers.TokenRefreshSerializer, simplejwt_serializers.TokenRefreshSerializer)
    assert issubclass(serializers.TokenVerifySerializer, simplejwt_serializers.TokenVerifySerializer)
    assert issubclass(views.TokenObtainView, simplejwt_views.TokenObtainPairView)
    assert issubclass(views.TokenRefreshView, simplejwt_views.TokenRefreshView)
    assert issubclass(views.TokenVerifyView, simplejwt_views.TokenVerifyView)


# --- Token.get_token_backend() and the backend ------------------------------------------------------------------
def test_every_token_class_reaches_token_labs_backend():
    for cls in (AccessToken, RefreshToken):
        token = cls.for_login(user_id=1, family=new_id())
        assert token.get_token_backend() is token.token_backend is token_backend


def test_the_backend_reads_its_settings_when_used(settings):
    token = mint()
    settings.JWT_ISSUER = "another-issuer"
    with pytest.raises(TokenError) as refused:
        AccessToken(token)
    assert (refused.value.detail, refused.value.code) == ("Token is invalid.", "token_not_valid")
    assert token_backend.issuer == "another-issuer"
    assert AccessToken(mint())["iss"] == "another-issuer"


def test_a_backend_refusal_keeps_its_own_reason_through_token_init():
    """simplejwt's Token.__init__ turns a TokenBackendError into "Token is invalid"; ours passes through."""
    with pytest.raises(TokenError) as refused:
        AccessToken("a.b")
    assert (refused.value.detail, refused.value.code) == ("Token is malformed.", "token_not_valid")
    with pytest.raises(TokenError) as refused:
        AccessToken(mint(REFRESH))
    assert refused.value.detail == "Token has the wrong type for this endpoint."


def test_the_backend_takes_ascii_bytes_as_simplejwt_authentication_passes_them():
    token = mint()
    assert AccessToken(token.encode()).payload == AccessToken(token).payload
    with pytest.raises(TokenError, match="Token is malformed."):
        AccessToken(b"\xff" + token.encode())


def test_verify_false_skips_the_signature_only():
    head, body, _signature = mint().split(".")
    forged = f"{head}.{body}.{'A' * 43}"
    assert token_backend.decode(forged, verify=False)["sub"] == "7"
    with pytest.raises(TokenError, match="Token is malformed."):
        token_backend.decode(forged + "=", verify=False)


def test_get_verifying_key_is_chosen_by_kid_from_the_ring():
    from jwt_demo.keys import keyring

    assert token_backend.get_verifying_key(mint()) == keyring().current.verifying
    head = json.dumps({"alg": "HS256", "kid": "unknown", "typ": "at+jwt"}, separators=(",", ":")).encode()
    import base64

    segment = base64.urlsafe_b64encode(head).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="Token was signed with an unknown key."):
        token_backend.get_verifying_key(f"{segment}.e30.")


def test_the_backend_signs_with_typ_and_kid():
    import jwt

    from jwt_demo.keys import keyring

    header = jwt.get_unverified_header(str(RefreshToken.for_login(user_id=1, family=new_id())))
    assert header == {"alg": "HS256", "kid": keyring().current.kid, "typ": "rt+jwt"}


# --- lifetimes, the clock and the time checks -----------------------------------------------------------------
def test_lifetime_follows_settings_on_the_class_and_on_tokens(settings, frozen):
    settings.ACCESS_TOKEN_LIFETIME = 60
    settings.REFRESH_TOKEN_LIFETIME = 120
    assert AccessToken.lifetime == timedelta(seconds=60)
    assert RefreshToken.lifetime == timedelta(seconds=120)
    assert AccessToken.for_login(user_id=1, family=new_id())["exp"] == T0 + 60
    assert RefreshToken.for_login(user_id=1, family=new_id())["exp"] == T0 + 120


def test_for_user_starts_a_login_and_dates_it_to_the_millisecond(user, monkeypatch):
    monkeypatch.setattr(TokenCodec, "clock", staticmethod(lambda: T0 + 0.1239))
    token = RefreshToken.for_user(user)
    assert (token["sub"], token["iat"], token["auth_time"]) == (str(user.pk), T0 + 0.123, T0 + 0.123)
    assert token.claims.family == token["fam"] and len(token["fam"]) == 32


def test_check_exp_reads_the_codec_clock_not_the_wall_clock(frozen, monkeypatch):
    token = mint(expires_at=T0 + 10)  # in 2030: not yet valid by the wall clock, and accepted by the frozen one
    monkeypatch.setattr(TokenCodec, "clock", staticmethod(lambda: T0 + 9.5))
    assert AccessToken(token)["exp"] == T0 + 10
    monkeypatch.setattr(TokenCodec, "clock", staticmethod(lambda: T0 + 10))
    with pytest.raises(TokenError) as refused:
        AccessToken(token)
    assert (refused.value.detail, refused.value.code) == ("Token is expired.", "token_expired")


def test_access_token_copies_the_login_bit_for_bit_and_ends_with_it(frozen, settings):
    refresh = RefreshToken.for_login(user_id=3, family=new_id(), login_at=T0 - 1.0000001, login_expires_at=T0 + 60,
                                     extra={"scope": "notes"})
    access = refresh.access_token
    assert isinstance(access, AccessToken)
    assert (access["auth_time"], access["fam"], access["sub"], access["scope"]) == (
        refresh["auth_time"], refresh["fam"], "3", "notes")
    assert access["jti"] != refresh["jti"] and access["token_type"] == ACCESS
    assert access["exp"] == T0 + 60  # the login ends before the access lifetime would
    assert AccessToken(str(access)).claims.login_at_ms == RefreshToken(str(refresh)).claims.login_at_ms


def test_untyped_token_decodes_either_kind_and_made_from_scratch_is_expired_and_decodes_as_nothing(frozen):
    assert UntypedToken(mint(ACCESS)).claims.token_type == ACCESS
    assert UntypedToken(mint(REFRESH)).claims.token_type == REFRESH
    scratch = UntypedToken()  # simplejwt's: type "untyped", lifetime zero
    assert (scratch["token_type"], scratch["exp"]) == ("untyped", T0)
    with pytest.raises(simplejwt_exceptions.ExpiredTokenError):
        scratch.check_exp()
    for token_class in (UntypedToken, AccessToken, RefreshToken):
        with pytest.raises(TokenError) as refused:
            token_class(str(scratch))
        assert refused.value.detail == "Token has the wrong type for this endpoint."


# --- simplejwt's Token contract: the clock, check_exp, leeway, access_token -----------------------------------
def test_current_time_can_be_set_and_set_exp_set_iat_read_it(frozen):
    token = AccessToken()
    assert token.current_time == datetime.fromtimestamp(T0, tz=UTC)
    token.current_time = datetime(2000, 1, 1, tzinfo=UTC)
    token.set_exp()
    token.set_iat()
    assert (token["exp"], token["iat"]) == (946_684_800 + 900, 946_684_800)
    token.current_time = datetime(2000, 1, 1)  # naive: UTC, as simplejwt's aware_utcnow() without USE_TZ
    assert token.now == 946_684_800


def test_the_default_clock_is_simplejwts_so_patching_or_freezing_it_moves_token_lab_time(monkeypatch):
    at = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    monkeypatch.setattr(simplejwt_tokens, "aware_utcnow", lambda: at)
    token = AccessToken()
    assert (token.current_time, token["iat"]) == (at, at.timestamp())
    monkeypatch.setattr(simplejwt_tokens, "aware_utcnow", lambda: at.replace(tzinfo=None))
    assert codec.clock() == at.timestamp()


def test_check_exp_checks_the_named_claim_with_the_backends_leeway(frozen, settings):
    token = AccessToken()
    token.set_exp("refresh_exp", lifetime=timedelta(days=1))
    with pytest.raises(TokenError, match="has no 'nothing' claim"):
        token.check_exp("nothing")
    token.check_exp("refresh_exp")
    with pytest.raises(simplejwt_exceptions.ExpiredTokenError) as expired:
        token.check_exp("refresh_exp", current_time=token.current_time + timedelta(days=1))
    assert (expired.value.detail, expired.value.code) == ("Token 'refresh_exp' claim has expired.", "token_expired")
    settings.JWT_LEEWAY = 10
    token.check_exp("refresh_exp", current_time=token.current_time + timedelta(days=1))
    try:
        token_backend.leeway = timedelta(days=2)  # simplejwt's attribute, pinned on the instance
        token.check_exp("refresh_exp", current_time=token.current_time + timedelta(days=1, hours=1))
        token_backend.leeway = "1"
        with pytest.raises(simplejwt_exceptions.TokenBackendError):
            token.check_exp("refresh_exp")
    finally:
        token_backend.leeway = None  # the setting again
    assert token_backend.leeway == 10


def test_an_expired_token_is_simplejwts_expired_token_error(frozen, monkeypatch):
    token = mint(expires_at=T0 + 10)
    monkeypatch.setattr(TokenCodec, "clock", staticmethod(lambda: T0 + 10))
    with pytest.raises(simplejwt_exceptions.ExpiredTokenError) as refused:
        AccessToken(token)
    assert (refused.value.detail, refused.value.code) == ("Token is expired.", "token_expired")


def test_check_exp_alone_does_not_replace_verification(frozen):
    token = RefreshToken.for_login(user_id=3, family=new_id())
    token["iat"] = T0 + 3600  # from the future: check_exp (exp only) is silent, verification refuses it
    token.check_exp()
    with pytest.raises(TokenError) as refused:
        RefreshToken(str(token))
    assert refused.value.code == "token_not_yet_valid"


def test_access_token_of_a_bare_refresh_token_copies_what_there_is_and_is_refused(frozen):
    refresh = RefreshToken()
    refresh["test_claim"] = "arst"
    access = refresh.access_token
    assert access["test_claim"] == "arst" and access["token_type"] == ACCESS and access["jti"] != refresh["jti"]
    assert "sub" not in access and "fam" not in access
    with pytest.raises(TokenError) as refused:
        AccessToken(str(access))
    assert refused.value.code == "token_not_valid"  # no `sub`: PyJWT's required claims refuse it
    refresh["exp"] = "soon"
    with pytest.raises(TokenError):
        refresh.access_token  # noqa: B018 - the property mints


# --- authentication: simplejwt's chain, Token Lab's steps -------------------------------------------------------
def bearer_request(value: str) -> Request:
    return Request(RequestFactory().get("/", HTTP_AUTHORIZATION=value))


@pytest.mark.django_db
def test_authentication_returns_a_token_user_and_the_validated_token(django_assert_num_queries, settings):
    settings.REVOCATION_BACKEND = "denylist.backends.db.DatabaseRevocationBackend"
    token = mint(user_id=42)
    with django_assert_num_queries(1):  # the revocation check; no user row
        user, validated = JWTAuthentication().authenticate(bearer_request(f"Bearer {token}"))
    assert isinstance(user, TokenUser) and user.pk == 42
    assert isinstance(validated, AccessToken) and validated.claims.user_id == 42


def test_get_raw_token_leaves_other_schemes_to_other_authenticators():
    # simplejwt's contract is bytes in and bytes out; a str header is taken too.
    auth = JWTAuthentication()
    assert auth.get_raw_token(b"Basic dXNlcjpwYXNz") is None
    assert auth.get_raw_token(b"Bearer abc") == b"abc"
    assert auth.get_raw_token("Bearer abc") == b"abc"
    with pytest.raises(InvalidToken) as refused:
        auth.get_raw_token(b"Bearer\tabc")
    assert refused.value.detail == {"detail": "Invalid Authorization header: separate Bearer and the token with a "
                                              "space.", "code": "bad_authorization_header"}


def test_get_validated_token_keeps_each_refusal_instead_of_simplejwts_summary():
    with pytest.raises(InvalidToken) as refused:
        JWTAuthentication().get_validated_token(mint(REFRESH))
    assert refused.value.detail == {"detail": "Token has the wrong type for this endpoint.", "code": "token_not_valid"}


# --- views and serializers named in SIMPLE_JWT, read per request ------------------------------------------------
@pytest.mark.django_db
def test_the_views_read_their_serializer_from_simple_jwt_per_request(client, settings, user):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT,
                           "TOKEN_VERIFY_SERIALIZER": "tests.jwt_demo.test_simplejwt_extension_points.RefuseAll"}
    response = client.post("/jwt/token/verify/", {"token": mint()}, content_type="application/json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"detail": "Refused by the test serializer.", "code": "test_refusal"}


class RefuseAll(serializers.TokenVerifySerializer):
    def validate(self, attrs):
        raise TokenError("Refused by the test serializer.", "test_refusal")


@pytest.mark.django_db
def test_the_obtain_serializer_keeps_strict_fields(user):
    body = serializers.TokenObtainPairSerializer(data={"username": 12, "password": PASSWORD},
                                                 context={"request": None, "door": "jwt"})
    assert not body.is_valid()
    assert body.errors == {"username": ["Must be a string."]}


@pytest.mark.parametrize("path", ["/jwt/token/refresh/", "/jwt/token/verify/"])
def test_token_fields_read_the_length_limit_when_validating(client, settings, path):
    settings.MAX_TOKEN_LENGTH = 10
    field = "refresh" if "refresh" in path else "token"
    response = client.post(path, {field: "x" * 21}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][field] == [
        {"message": "Ensure this field has no more than 20 characters.", "code": "max_length"}]
