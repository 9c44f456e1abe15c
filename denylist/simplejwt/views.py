"""Log out one login, or every login of the user, in a simplejwt project (204 on success)."""

from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from denylist.simplejwt import services
from denylist.simplejwt.authentication import DenylistJWTAuthentication
from denylist.simplejwt.claims import api_settings


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(required=False, trim_whitespace=False)


class LogoutView(APIView):
    """`POST` with an access token, optionally `{"refresh"}`: that login (and the refresh token's) ends at once."""

    authentication_classes = [DenylistJWTAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = LogoutSerializer

    def post(self, request):
        body = LogoutSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.token_logout(access=request.auth, refresh=body.validated_data.get("refresh"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """`POST` with an access token: every token the user was issued before now stops working at once."""

    authentication_classes = [DenylistJWTAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request):
        services.user_logout_all(user_id=request.auth[api_settings().USER_ID_CLAIM])
        return Response(status=status.HTTP_204_NO_CONTENT)
