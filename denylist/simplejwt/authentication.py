"""simplejwt's stateless authentication with the revocation check: one round trip per request, no user query."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.models import TokenUser as StockTokenUser

from denylist import revocation
from denylist.simplejwt.claims import api_settings, token_query


class TokenRevoked(InvalidToken):
    default_detail = "Token has been revoked."
    default_code = "token_revoked"


class TokenUser(StockTokenUser):
    """simplejwt's `TokenUser` whose `id` and `pk` have the type of the user model's `USER_ID_FIELD`.

    simplejwt 5.5 writes the user id claim as a string; its stock `JWTAuthentication` hands views the user row, with
    an integer `id` where the key is an integer. Views written against it compare `request.user.id` with integers
    and build querysets from it, so the id is converted back by the field itself (`to_python`), without the row.

    Token Lab's JWT door names its own `TOKEN_USER_CLASS` (`jwt_demo.tokens.TokenUser`, the principal both of its
    doors share), which this class leaves alone, as it leaves any project's own.
    """

    @cached_property
    def id(self):
        claim = self.token[api_settings().USER_ID_CLAIM]
        return get_user_model()._meta.get_field(api_settings().USER_ID_FIELD).to_python(claim)

    @cached_property
    def pk(self):
        return self.id


class DenylistJWTAuthentication(JWTStatelessUserAuthentication):
    """Authenticate a simplejwt access token, then refuse it (401 `token_revoked`) if the store revokes its `jti`,
    its login (family) or everything its user was issued before a cut-off.

    A password change, a deactivation or a deletion of the user writes such a cut-off (the database's triggers and
    `denylist.users`), so their tokens are refused on the next request as stock `JWTAuthentication` would refuse
    them (there `user_inactive`, `user_not_found`), without reading the user row.

    `request.user` is `TOKEN_USER_CLASS` built from the token — this module's `TokenUser`, with an `id` of the
    user model's type, while the setting keeps simplejwt's default — and `request.auth` the validated token.
    The check fails closed: when neither Redis nor the database can answer, the backend raises and the request
    fails (a 503 behind an outage middleware such as Token Lab's), it never passes unchecked.
    """

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if self.is_revoked(token):
            raise TokenRevoked()
        return token

    def is_revoked(self, validated_token) -> bool:
        """Tell whether the store revokes this token (one Redis HMGET, or one indexed query without Redis)."""
        return revocation.is_revoked(token_query(validated_token))

    def get_user(self, validated_token):
        user_class = api_settings().TOKEN_USER_CLASS
        if user_class is StockTokenUser:
            # A project that named its own TOKEN_USER_CLASS keeps it; simplejwt's default gets the typed id.
            user_class = TokenUser
        if api_settings().USER_ID_CLAIM not in validated_token:
            return super().get_user(validated_token)  # simplejwt's InvalidToken
        user = user_class(validated_token)
        if user_class is TokenUser:
            try:
                user.id  # noqa: B018 - a claim the user model cannot read names no user
            except ValidationError as error:
                raise InvalidToken(_("Token contained no recognizable user identification")) from error
        return user
