"""Request and response bodies of the JWT door."""

from django.conf import settings
from rest_framework import serializers

from config.fields import StrictCharField


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class HybridAccessSerializer(serializers.Serializer):
    """The hybrid flow's login and refresh body: the access token only; the refresh token is in the cookie."""

    access = serializers.CharField(read_only=True)
    access_expires_at = serializers.IntegerField(read_only=True, help_text="the access token's exp (Unix seconds)")
    expires_in = serializers.IntegerField(read_only=True, help_text="seconds the access token has left")


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=settings.MAX_TOKEN_LENGTH * 2, trim_whitespace=False)


class VerifySerializer(serializers.Serializer):
    token = StrictCharField(max_length=settings.MAX_TOKEN_LENGTH * 2, trim_whitespace=False)


class LogoutSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=settings.MAX_TOKEN_LENGTH * 2, trim_whitespace=False, required=False)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = StrictCharField(max_length=4096, trim_whitespace=False)
    new_password = StrictCharField(max_length=4096, trim_whitespace=False)
