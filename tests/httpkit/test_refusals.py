"""The HTTP edge (httpkit.refusals): the domain's refusals are answered by their kind, from one table, the same on
the API (`{"detail", "code"}` JSON) and on the pages that answer with a form; views translate nothing."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.principal import LazyUser, UserGone
from accounts.throttling import LoginThrottled, OldPasswordThrottled
from httpkit.refusals import (
    REFUSALS,
    CallerRefused,
    CredentialsRefused,
    Refusal,
    TokenRefused,
    TooManyAttempts,
    refusal_answer,
    refusal_page_apply,
    refusal_page_text,
)
from jwt_demo.authentication import JWTAuthentication
from jwt_demo.services import AccountUnavailable, BadCredentials
from jwt_demo.throttling import RefreshThrottled
from jwt_demo.tokens import TokenError, TokenExpired
from sessions_demo.authentication import SessionAuthentication

factory = APIRequestFactory()


def answer(exc: Exception, *, authentication=()) -> HttpResponse:
    """Raise `exc` in a DRF view with these authenticators' challenges; return the response the edge gives."""

    class Raising(APIView):
        authentication_classes = list(authentication)
        permission_classes = []

        def get(self, request):
            raise exc

    return Raising.as_view()(factory.get("/jwt/api/anything/"))


def test_the_table_holds_kinds_only():
    # A kind is httpkit's word; a domain exception (LoginThrottled, TokenError, ...) is never a row: it subclasses
    # the kind it is, so the table imports nothing above httpkit.
    assert set(REFUSALS) == {TooManyAttempts, CredentialsRefused, TokenRefused, CallerRefused}
    assert {kind.__module__ for kind in REFUSALS} == {"httpkit.refusals"}


@pytest.mark.parametrize(("exc", "kind"), [
    (LoginThrottled(5), TooManyAttempts), (OldPasswordThrottled(5), TooManyAttempts),
    (RefreshThrottled(5), TooManyAttempts), (BadCredentials(), CredentialsRefused),
    (AccountUnavailable(), CredentialsRefused), (TokenError("Token is malformed."), TokenRefused),
    (TokenExpired(), TokenRefused), (UserGone(), CallerRefused),
])
def test_each_domain_refusal_is_of_one_kind(exc, kind):
    assert refusal_answer(exc) is REFUSALS[kind]


def test_a_throttle_is_429_with_retry_after_in_its_own_words():
    for exc, words in [(LoginThrottled(45), "Too many login attempts."),
                       (OldPasswordThrottled(45), "Too many password attempts."),
                       (RefreshThrottled(45), "Too many refreshes of this login.")]:
        response = answer(exc)
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert response["Retry-After"] == "45"
        assert response.data == {"detail": f"{words} Expected available in 45 seconds.", "code": "throttled"}


def test_refused_credentials_are_401_without_a_challenge():
    for exc in (BadCredentials(), AccountUnavailable()):
        response = answer(exc, authentication=[JWTAuthentication])
        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response.data == {"detail": "No active account found with the given credentials.",
                                 "code": "no_active_account"}
        assert "WWW-Authenticate" not in response


def test_a_refused_token_is_401_with_the_doors_challenge_and_its_own_code(settings):
    response = answer(TokenError("Token has already been used.", "token_reused"))
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.data == {"detail": "Token has already been used.", "code": "token_reused"}
    assert response["WWW-Authenticate"] == 'Bearer realm="token-lab", error="invalid_token"'
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "AUTH_HEADER_TYPES": ("JWT", "Bearer")}
    assert answer(TokenExpired())["WWW-Authenticate"] == 'JWT realm="token-lab", error="invalid_token"'


def test_a_gone_caller_is_drfs_failed_authentication_on_each_door(db):
    gone = LazyUser(987654321)
    with pytest.raises(UserGone):
        gone.load()
    # The JWT door's view has a challenge: 401 with it. The session door's has none: DRF's 403 (docs/api.md).
    bearer = answer(UserGone(), authentication=[JWTAuthentication])
    assert bearer.status_code == HTTPStatus.UNAUTHORIZED
    assert bearer["WWW-Authenticate"] == 'Bearer realm="token-lab"'
    assert bearer.data == {"detail": "User not found or inactive.", "code": "user_not_found"}
    session = answer(UserGone(), authentication=[SessionAuthentication])
    assert session.status_code == HTTPStatus.FORBIDDEN
    assert "WWW-Authenticate" not in session
    assert session.data == {"detail": "User not found or inactive.", "code": "user_not_found"}


def test_a_services_validation_error_is_400_with_its_field_errors():
    response = answer(ValidationError({"old_password": ["Your old password was entered incorrectly."]}))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.data == {"detail": "Invalid input.", "code": "invalid", "errors": {
        "old_password": [{"message": "Your old password was entered incorrectly.", "code": "invalid"}]}}


def test_a_refusal_of_no_kind_is_not_answered_for_it():
    # A bare Refusal names no kind: the handler has no row for it, so it is a server error, not a guess.
    assert refusal_answer(Refusal("?")) is None
    with pytest.raises(Refusal):
        answer(Refusal("?"))


def test_pages_answer_from_the_same_table():
    throttled = refusal_page_apply(HttpResponse("form"), OldPasswordThrottled(50))
    assert throttled.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert throttled["Retry-After"] == "50"
    assert refusal_page_text(OldPasswordThrottled(50)) == "Too many password attempts. Try again in 50 seconds."
    refused = refusal_page_apply(HttpResponse("form"), BadCredentials())
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert "Retry-After" not in refused
    assert refusal_page_apply(HttpResponse("form"), None).status_code == HTTPStatus.OK
