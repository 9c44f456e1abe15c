"""Serializers for `SIMPLE_JWT`: a login that names and dates itself, and rotation with reuse detection."""


from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as simplejwt
from rest_framework_simplejwt.exceptions import InvalidToken

from denylist import clock, revocation, rotation
from denylist.entries import Query
from denylist.simplejwt import services
from denylist.simplejwt.authentication import TokenRevoked
from denylist.simplejwt.claims import AUTH_TIME_CLAIM, FAMILY_CLAIM, api_settings, login_family, login_time, token_query


class TokenReused(InvalidToken):
    default_detail = "Token has already been used; every token of this login has been revoked."
    default_code = "token_reused"


class TokenObtainPairSerializer(simplejwt.TokenObtainPairSerializer):
    """simplejwt's login serializer, naming the login (`fam`) and dating it to the millisecond (`auth_time`).

    simplejwt copies both claims from the refresh token into every access token it mints, so ending a login
    (logout, reuse) reaches its access tokens too.
    """

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token[FAMILY_CLAIM] = token[api_settings().JTI_CLAIM]
        token[AUTH_TIME_CLAIM] = clock.ms_seconds(clock.now_ms())
        return token


class TokenRotationSerializer(simplejwt.TokenRefreshSerializer):
    """simplejwt's refresh serializer with rotation and reuse detection (RFC 9700 §4.14.2).

    Each exchange records the presented token's `jti` as used, atomically: of two exchanges of one token, one
    wins. Presenting a used token again is reuse, and ends its whole login for the thief and the victim alike —
    rotation's one rule, `denylist.rotation.refresh_use_settle`, which the JWT door follows too.
    A refresh token of a revoked login or user is refused (401 `token_revoked`). The response always holds a new
    refresh token, whatever `ROTATE_REFRESH_TOKENS` says: rotation is what this serializer is for.
    """

    def validate(self, attrs):
        api = api_settings()
        refresh = self.token_class(attrs["refresh"])
        if api.USER_ID_CLAIM not in refresh:
            # A token error, as simplejwt's stateless authentication answers it: a valid signature over no user
            # names no account to look up (not `no_active_account`), and no use of it is recorded.
            raise InvalidToken(_("Token contained no recognizable user identification"))
        query = token_query(refresh)
        family = login_family(refresh)
        # The login and the user first; the token's own `jti` is settled by recording its use.
        if revocation.is_revoked(Query(family=family, user_id=query.user_id, issued_at_ms=query.issued_at_ms)):
            raise TokenRevoked()
        use = services.refresh_token_use_record(jti=refresh[api.JTI_CLAIM], expires_at=refresh["exp"],
                                                user_id=query.user_id)
        try:
            rotation.refresh_use_settle(use=use,
                                        login_end=lambda reason: services.token_login_end(token=refresh, reason=reason))
        except rotation.RefreshReused:
            raise TokenReused() from None
        except rotation.RefreshRefused:
            raise TokenRevoked() from None
        user = get_user_model().objects.filter(**{api.USER_ID_FIELD: query.user_id}).first()
        if not api.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        refresh[FAMILY_CLAIM] = family
        refresh[AUTH_TIME_CLAIM] = login_time(refresh)
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        return {"access": str(refresh.access_token), "refresh": str(refresh)}
