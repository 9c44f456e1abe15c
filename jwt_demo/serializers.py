"""Request and response bodies of the JWT door, and the simplejwt serializers that `SIMPLE_JWT` names.

simplejwt's views find their serializer in `SIMPLE_JWT` (`TOKEN_OBTAIN_SERIALIZER`, `TOKEN_REFRESH_SERIALIZER`,
`TOKEN_VERIFY_SERIALIZER`). Token Lab's subclasses keep simplejwt's shape — validate the body, return the token
pair — and hand the work to the door's services: a login that is throttled and recorded, a token family per
login, atomic rotation with reuse detection, and verification that consults the revocation store. Fields are
strict (a number is not a username) and bounded.
"""

from django.conf import settings
from rest_framework import serializers
from rest_framework_simplejwt import serializers as simplejwt

from httpkit.fields import StrictCharField
from httpkit.network import client_ip, user_agent
from jwt_demo import services
from jwt_demo.services import BadCredentials
from jwt_demo.tokens import RefreshToken

__all__ = ["BadCredentials", "CredentialsSerializer", "HybridAccessSerializer", "LogoutSerializer",
           "PasswordChangeSerializer", "RefreshSerializer", "TokenField", "TokenObtainPairSerializer",
           "TokenPairSerializer", "TokenRefreshSerializer", "TokenVerifySerializer", "VerifySerializer"]


class TokenField(StrictCharField):
    """A token in a JSON body: a string, at most twice `MAX_TOKEN_LENGTH` long (the setting is read when a body is
    validated, not at import), never trimmed (a token with spaces is not the token)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        limit = settings.MAX_TOKEN_LENGTH * 2
        if len(value) > limit:
            self.fail("max_length", max_length=limit)
        return value


class CredentialsSerializer(serializers.Serializer):
    """`{"username", "password"}`: the body of the hybrid login (services.token_login logs in with it)."""

    class Meta:
        # The published OpenAPI component keeps its name (`LoginRequest`): generated clients name their types by it.
        ref_name = "Login"

    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)


class TokenObtainPairSerializer(simplejwt.TokenObtainPairSerializer):
    """simplejwt's login serializer on Token Lab's login (services.token_login): validation logs in, starting a
    token family, and returns its pair.

    `.user` is the user and `.pair` the issued TokenPair once valid; `context["door"]` names the door ("jwt").
    A refusal is raised as the door's own (BadCredentials, LoginThrottled), which the HTTP edge answers (401, 429).
    """

    token_class = RefreshToken
    default_error_messages = {"no_active_account": BadCredentials.default_detail}
    username = StrictCharField(max_length=150, write_only=True)
    password = StrictCharField(max_length=4096, trim_whitespace=False, write_only=True)

    def __init__(self, *args, **kwargs):
        # simplejwt's __init__ replaces the declared fields with lenient CharFields (`123` would pass as "123").
        serializers.Serializer.__init__(self, *args, **kwargs)

    def validate(self, attrs):
        request = self.context["request"]
        self.pair = services.token_login(username=attrs["username"], password=attrs["password"],
                                         door=self.context.get("door", "jwt"), ip=client_ip(request),
                                         user_agent=user_agent(request))
        self.user = self.pair.user
        return self.pair.body()


class TokenRefreshSerializer(simplejwt.TokenRefreshSerializer):
    """simplejwt's refresh serializer on Token Lab's rotation (services.token_refresh): the presented token dies,
    a reused one ends its login. Raises jwt_demo.tokens.TokenError for a refused token; `.pair` once valid."""

    token_class = RefreshToken
    refresh = TokenField()
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        self.pair = services.token_refresh(refresh=attrs["refresh"])
        return self.pair.body()


class TokenVerifySerializer(simplejwt.TokenVerifySerializer):
    """simplejwt's verify serializer on Token Lab's checks: signature, claims, time and the revocation store; a
    refresh token must also still be exchangeable. Raises jwt_demo.tokens.TokenError for a refused token."""

    token = TokenField(write_only=True)

    def validate(self, attrs):
        services.token_verify(token=attrs["token"])
        return {}


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class HybridAccessSerializer(serializers.Serializer):
    """The hybrid flow's login and refresh body: the access token only; the refresh token is in the cookie."""

    access = serializers.CharField(read_only=True)
    access_expires_at = serializers.IntegerField(read_only=True, help_text="the access token's exp (Unix seconds)")
    expires_in = serializers.IntegerField(read_only=True, help_text="seconds the access token has left")


class RefreshSerializer(serializers.Serializer):
    refresh = TokenField()


class VerifySerializer(serializers.Serializer):
    token = TokenField()


class LogoutSerializer(serializers.Serializer):
    refresh = TokenField(required=False)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = StrictCharField(max_length=4096, trim_whitespace=False)
    new_password = StrictCharField(max_length=4096, trim_whitespace=False)
