"""The hybrid flow's endpoints: `/jwt/hybrid/login/`, `refresh/`, `logout/` (see jwt_demo.hybrid for the policy)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from httpkit.network import client_ip, user_agent
from jwt_demo import hybrid, serializers, services
from jwt_demo.http import NoStoreMixin
from jwt_demo.tokens import TokenError

_CSRF_DOC = "Needs the refresh cookie and `X-CSRFToken` equal to the `csrftoken` cookie; a foreign `Origin` is 403."


class HybridView(NoStoreMixin, APIView):
    """Base of the hybrid endpoints: no DRF authentication (the refresh cookie is the credential), no caching."""

    authentication_classes = []
    permission_classes = [AllowAny]


class HybridLoginView(HybridView):
    error_responses = {401: "Bad credentials: one message for an unknown user and a wrong password.",
                       403: "A foreign `Origin`.",
                       429: "Too many failed password checks for this account or address; see `Retry-After`."}

    @extend_schema(request=serializers.CredentialsSerializer, responses=serializers.HybridAccessSerializer,
                   description="Log in; the refresh token is set as an HttpOnly, SameSite=Strict cookie.")
    def post(self, request):
        # Login CSRF: a foreign page must not log this browser into the attacker's account.
        hybrid.request_origin_check(request)
        body = serializers.CredentialsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        # `replaces`: the login of the cookie this response overwrites ends once the password has checked out,
        # rather than live on unreachable.
        pair = services.token_login(username=body.validated_data["username"],
                                    password=body.validated_data["password"], door="hybrid",
                                    ip=client_ip(request), user_agent=user_agent(request),
                                    replaces=hybrid.refresh_cookie_read(request))
        response = Response(hybrid.access_body(access=pair.access, expires_at=pair.access_claims.expires_at))
        hybrid.refresh_cookie_set(response, request=request, token=pair.refresh,
                                  expires_at=pair.refresh_claims.expires_at)
        hybrid.csrf_cookie_rotate(request)
        return response


class HybridRefreshView(HybridView):
    error_responses = {401: "No, invalid, revoked or reused refresh cookie (the cookie is cleared).",
                       403: "CSRF or origin check failed.",
                       429: "Too many refreshes of this login (`REFRESH_RATE`); nothing rotated."}

    @extend_schema(request=None, responses={200: serializers.HybridAccessSerializer}, description=_CSRF_DOC)
    def post(self, request):
        hybrid.request_csrf_check(request)
        refresh = hybrid.refresh_cookie_read(request)
        if refresh is None:
            raise TokenError("No refresh cookie: log in again.", "refresh_cookie_missing")
        pair = services.token_refresh(refresh=refresh)
        response = Response(hybrid.access_body(access=pair.access, expires_at=pair.access_claims.expires_at))
        hybrid.refresh_cookie_set(response, request=request, token=pair.refresh,
                                  expires_at=pair.refresh_claims.expires_at)
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, TokenError):
            # A dead cookie is dropped, so the browser stops sending it and the page knows to show the login.
            hybrid.refresh_cookie_clear(response, request=self.request)
        return response


class HybridLogoutView(HybridView):
    error_responses = {403: "CSRF or origin check failed."}

    @extend_schema(request=None, responses={204: None}, description=_CSRF_DOC)
    def post(self, request):
        hybrid.request_csrf_check(request)
        refresh = hybrid.refresh_cookie_read(request)
        if refresh is not None:
            services.refresh_token_logout(refresh=refresh, ip=client_ip(request), user_agent=user_agent(request))
        response = Response(status=status.HTTP_204_NO_CONTENT)
        hybrid.refresh_cookie_clear(response, request=request)
        return response
