"""Request and response bodies of the JWT door, and the simplejwt serializers that `SIMPLE_JWT` names.

simplejwt's views find their serializer in `SIMPLE_JWT` (`TOKEN_OBTAIN_SERIALIZER`, `TOKEN_REFRESH_SERIALIZER`,
`TOKEN_VERIFY_SERIALIZER`). Token Lab's subclasses keep simplejwt's shape — validate the body, return the token
pair — and hand the work to the door's services: a login that is throttled and recorded, a token family per
login, atomic rotation with reuse detection, and verification that consults the revocation store. Fields are
strict (a number is not a username) and bounded.
"""

from django.conf import settings
from rest_framework import exceptions, serializers, status
from rest_framework_simplejwt import serializers as simplejwt

from accounts import services as accounts
from accounts.throttling import LoginThrottled
from httpkit.fields import StrictCharField
from httpkit.network import client_ip, user_agent
from jwt_demo import services
from jwt_demo.tokens import RefreshToken


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

class BadCredentials(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "No active account found with the given credentials."
    default_code = "no_active_account"


def user_login(request, *, door: str, username: str, password: str):
    """Return the user these credentials name, or raise 401 (one generic refusal) or 429 (throttled)."""
    try:
        user = accounts.user_authenticate(username=username, password=password, door=door, ip=client_ip(request),
                                          user_agent=user_agent(request))
    except LoginThrottled as exc:
        raise exceptions.Throttled(wait=exc.wait, detail="Too many login attempts.") from None
    if user is None:
        raise BadCredentials()
    return user


class CredentialsSerializer(serializers.Serializer):
    """`{"username", "password"}`. With `context={"request", "door"}`, validation logs in: `.user` is the user."""

    class Meta:
        # The published OpenAPI component keeps its name (`LoginRequest`): generated clients name their types by it.
        ref_name = "Login"

    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)

    def validate(self, attrs):
        self.user = user_login(self.context["request"], door=self.context["door"], username=attrs["username"],
                               password=attrs["password"])
        return attrs


class TokenObtainPairSerializer(simplejwt.TokenObtainPairSerializer):
    """simplejwt's login serializer on Token Lab's login: validation starts a token family and returns its pair.

    `.user` is the user and `.pair` the issued TokenPair once valid; `context["door"]` names the door ("jwt").
    """

    token_class = RefreshToken
    default_error_messages = {"no_active_account": BadCredentials.default_detail}
    username = StrictCharField(max_length=150, write_only=True)
    password = StrictCharField(max_length=4096, trim_whitespace=False, write_only=True)

    def __init__(self, *args, **kwargs):
        # simplejwt's __init__ replaces the declared fields with lenient CharFields (`123` would pass as "123").
        serializers.Serializer.__init__(self, *args, **kwargs)

    def validate(self, attrs):
        request, door = self.context["request"], self.context.get("door", "jwt")
        self.user = user_login(request, door=door, username=attrs["username"], password=attrs["password"])
        try:
            self.pair = services.token_pair_issue(user=self.user, door=door, ip=client_ip(request),
                                                  user_agent=user_agent(request))
        except services.AccountUnavailable:
            raise BadCredentials() from None
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
