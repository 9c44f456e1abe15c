"""The JWT door's HTTP pieces that both its body endpoints (views) and its cookie endpoints (hybrid_views) use:
no-store responses, the 401 for a refused token, the login and the refresh as the endpoints answer them."""

from rest_framework import exceptions, status

from httpkit.network import client_ip, user_agent
from jwt_demo import serializers, services
from jwt_demo.authentication import challenge
from jwt_demo.throttling import RefreshThrottled
from jwt_demo.tokens import TokenError


class TokenRejected(exceptions.APIException):
    """401 for a token presented in a body (refresh, verify): no authenticator involved, so not DRF's 403."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "token_not_valid"

    def __init__(self, error: TokenError):
        super().__init__(error.detail, error.code)
        self.www_authenticate = f'{challenge()}, error="invalid_token"'


class NoStoreMixin:
    """Token responses must never be cached (RFC 6749 §5.1)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


def refresh_pair(refresh: object) -> services.TokenPair:
    """Rotate `refresh` (both refresh endpoints); raise 401 for a bad token, 429 when its login refreshes too often."""
    try:
        return services.token_refresh(refresh=refresh)
    except TokenError as exc:
        raise TokenRejected(exc) from None
    except RefreshThrottled as exc:
        raise refresh_throttled(exc) from None


def refresh_throttled(exc: RefreshThrottled) -> exceptions.Throttled:
    """429 for a login that refreshes more often than `REFRESH_RATE` allows."""
    return exceptions.Throttled(wait=exc.wait, detail="Too many refreshes of this login.")


def login_user(request, *, door: str):
    """Validate a `{"username", "password"}` body and return the user, or raise the right 4xx."""
    body = serializers.CredentialsSerializer(data=request.data, context={"request": request, "door": door})
    body.is_valid(raise_exception=True)
    return body.user


def pair_issue(request, user, *, door: str) -> services.TokenPair:
    """Start a login for `user` (a token family) and return its first pair; 401 if the account went meanwhile."""
    try:
        return services.token_pair_issue(user=user, door=door, ip=client_ip(request), user_agent=user_agent(request))
    except services.AccountUnavailable:
        raise serializers.BadCredentials() from None
