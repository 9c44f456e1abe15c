"""The JWT door's endpoints: token pair, refresh, verify, logout, logout-all, password, JWKS."""

from django.utils.module_loading import import_string
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import settings as simplejwt_settings
from rest_framework_simplejwt import views as simplejwt_views

from accounts import services as accounts
from accounts.models import AuthEvent
from httpkit.network import client_ip, user_agent
from jwt_demo import serializers, services
from jwt_demo.authentication import JWTAuthentication
from jwt_demo.http import NoStoreMixin
from jwt_demo.keys import keyring


class TokenView(NoStoreMixin, simplejwt_views.TokenViewBase):
    """simplejwt's token endpoint, with Token Lab's serializer from `SIMPLE_JWT` and Token Lab's refusals.

    simplejwt reads its serializer's dotted path from `SIMPLE_JWT` once, at import; this reads it per request
    (`serializer_setting` names it). A refused token (jwt_demo.tokens.TokenError), a refused login, a throttle are
    let through to the HTTP edge (httpkit.refusals): a refused token is a 401 with its own `detail`, `code` and
    `WWW-Authenticate`, where simplejwt's view would flatten every reason into "Token is invalid".
    """

    serializer_setting: str
    www_authenticate_realm = "token-lab"

    def get_serializer_class(self):
        return import_string(getattr(simplejwt_settings.api_settings, self.serializer_setting))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "door": "jwt"}

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class TokenObtainView(TokenView, simplejwt_views.TokenObtainPairView):
    """Log in: a new token family and its first pair (`SIMPLE_JWT["TOKEN_OBTAIN_SERIALIZER"]`)."""

    serializer_setting = "TOKEN_OBTAIN_SERIALIZER"
    error_responses = {401: "Bad credentials: one message for an unknown user and a wrong password.",
                       429: "Too many failed password checks for this account or address; see `Retry-After`."}

    @extend_schema(request=serializers.CredentialsSerializer, responses=serializers.TokenPairSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenRefreshView(TokenView, simplejwt_views.TokenRefreshView):
    """Rotate a refresh token (`SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]`): reuse ends the login."""

    serializer_setting = "TOKEN_REFRESH_SERIALIZER"
    error_responses = {401: "Invalid, expired or revoked refresh token; an already rotated one is reuse and ends "
                            "its whole login.",
                       429: "Too many refreshes of this login (`REFRESH_RATE`); nothing rotated."}

    @extend_schema(request=serializers.RefreshSerializer, responses=serializers.TokenPairSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenVerifyView(TokenView, simplejwt_views.TokenVerifyView):
    """Tell whether a token would be accepted, revocation included (`SIMPLE_JWT["TOKEN_VERIFY_SERIALIZER"]`)."""

    serializer_setting = "TOKEN_VERIFY_SERIALIZER"
    error_responses = {401: "The token would not be accepted: invalid, expired, revoked or rotated away."}

    @extend_schema(request=serializers.VerifySerializer, responses={200: dict})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class LogoutView(NoStoreMixin, APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=serializers.LogoutSerializer, responses={204: None})
    def post(self, request):
        body = serializers.LogoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.token_logout(claims=request.auth.claims, refresh=body.validated_data.get("refresh"))
        accounts.auth_event_record(kind=AuthEvent.Kind.LOGOUT, user=None, username=str(request.user.pk),
                                   door="jwt", ip=client_ip(request), user_agent=user_agent(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(NoStoreMixin, APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        accounts.user_log_out_everywhere(user=request.user.load(), door="jwt")
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(NoStoreMixin, APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]
    error_responses = {429: "Too many wrong `old_password`s (they count as failed logins); see `Retry-After`."}

    @extend_schema(request=serializers.PasswordChangeSerializer, responses=serializers.TokenPairSerializer)
    def post(self, request):
        body = serializers.PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user.load()
        ip, agent = client_ip(request), user_agent(request)
        # Refusals go to the HTTP edge: a wrong old or a refused new password (ValidationError) is a 400 with the
        # field's error, a throttled old-password check (OldPasswordThrottled) a 429.
        accounts.user_password_change(user=user, old_password=body.validated_data["old_password"],
                                      new_password=body.validated_data["new_password"], door="jwt", ip=ip,
                                      user_agent=agent)
        return Response(services.token_pair_issue(user=user, door="jwt", ip=ip, user_agent=agent).body())


class JWKSView(APIView):
    """The public keys that verify Token Lab's tokens (RFC 7517); empty with HS256, whose key is secret."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request):
        response = Response(keyring().jwks())
        response["Cache-Control"] = "public, max-age=300"
        return response
