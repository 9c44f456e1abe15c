"""System checks of the JWT door: its keys and its token policy (deployment checks), and simplejwt's settings.

The key and policy checks are registered with `deploy=True` (in this app's `ready()`), so they run under
`--deploy` only; `check_simplejwt_settings` runs at every start; `--fail-level WARNING`
in CI makes every one of them blocking.
"""

import math
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

MIN_HMAC_KEY_BYTES = 32  # RFC 7518 §3.2: a key of at least the hash output size (256 bits for HS256)
MIN_KEY_ENTROPY_BITS_PER_CHAR = 3.0  # a real random key is ~4.x (hex) to ~6 (base64); "aaaa..." is 0
MAX_ACCESS_LIFETIME = 3600  # RFC 9700 §4.14 / OWASP JWT cheat sheet: short-lived access tokens


def _shannon_bits_per_char(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


@register(Tags.security, deploy=True)
def check_signing_key(app_configs=None, **kwargs):
    """The JWT signing key: long and random enough for HMAC, never SECRET_KEY; asymmetric keys load and are strong."""
    errors = []
    key = settings.JWT_SIGNING_KEY or ""
    if key == settings.SECRET_KEY:
        errors.append(Error(
            "JWT_SIGNING_KEY is the same as SECRET_KEY.",
            hint="Use two independent secrets: one leaked key must not forge both sessions and tokens.",
            id="tokenlab.E002"))
    if settings.JWT_ALGORITHM == "HS256":
        if len(key.encode()) < MIN_HMAC_KEY_BYTES:
            errors.append(Error(
                f"JWT_SIGNING_KEY is {len(key.encode())} bytes; HS256 needs at least {MIN_HMAC_KEY_BYTES}.",
                hint="RFC 7518 §3.2 and RFC 8725 §3.5: generate one with `python -c \"import secrets; "
                     "print(secrets.token_urlsafe(48))\"`.",
                id="tokenlab.E001"))
        elif _shannon_bits_per_char(key) < MIN_KEY_ENTROPY_BITS_PER_CHAR:
            errors.append(Error(
                "JWT_SIGNING_KEY is repetitive (too little entropy per character) to be a random key.",
                hint="RFC 8725 §3.5: human-memorable HMAC keys fall to offline brute force; use random bytes.",
                id="tokenlab.E003"))
    else:
        errors += _asymmetric_key_errors()
    return errors


def _asymmetric_key_errors() -> list:
    """Load the key ring as the server would: jwt_demo.keys refuses unreadable files, RSA under 2048 bits and
    EC keys off P-256 (RFC 7518 §3.3-3.4); report its refusal as a check instead of a crash at first request."""
    from django.core.exceptions import ImproperlyConfigured

    from jwt_demo.keys import KeyRing

    try:
        KeyRing(settings.JWT_ALGORITHM, settings.JWT_SIGNING_KEY, settings.JWT_VERIFYING_KEYS)
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="tokenlab.E004")]
    return []


@register(Tags.security, deploy=True)
def check_token_policy(app_configs=None, **kwargs):
    """Short access tokens, the denylist on, DEBUG off."""
    warnings = []
    if settings.ACCESS_TOKEN_LIFETIME > MAX_ACCESS_LIFETIME:
        warnings.append(Warning(
            f"ACCESS_TOKEN_LIFETIME is {settings.ACCESS_TOKEN_LIFETIME} s; keep access tokens to an hour or less.",
            hint="A stolen access token works until it expires (RFC 9700 §4.14, OWASP JWT Cheat Sheet); use "
                 "refresh tokens for long logins.",
            id="tokenlab.W010"))
    if not settings.REVOCATION_ENABLED:
        warnings.append(Warning(
            "REVOCATION_ENABLED is off: logout, password change and suspension leave access tokens working.",
            hint="The switch exists for the workshop's demonstration only.", id="tokenlab.W011"))
    if settings.DEBUG:
        warnings.append(Warning(
            "DEBUG is on: development keys derived from SECRET_KEY are accepted and errors show tracebacks.",
            id="tokenlab.W012"))
    return warnings




# --- simplejwt's settings (checked at every start, not only under --deploy) ---------------------------------------
# The JWT door is simplejwt's classes, so a simplejwt user's `SIMPLE_JWT` either works or is refused here, by name
# and with the reason: nothing is silently ignored. Honoured: AUTH_HEADER_NAME, AUTH_HEADER_TYPES, USER_ID_FIELD
# and USER_ID_CLAIM (beside `sub`), TOKEN_USER_CLASS, UPDATE_LAST_LOGIN, JSON_ENCODER, ROTATE_REFRESH_TOKENS (on),
# CHECK_USER_IS_ACTIVE (on) and the TOKEN_{OBTAIN,REFRESH,VERIFY}_SERIALIZER paths (read per request).

# simplejwt settings the door takes from its own settings (read on every call, environment variables in
# config/settings.py): SIMPLE_JWT may repeat them for simplejwt's own code, but must not disagree.
MIRRORED = {
    "ALGORITHM": ("JWT_ALGORITHM", lambda value: value),
    "SIGNING_KEY": ("JWT_SIGNING_KEY", lambda value: value),
    "AUDIENCE": ("JWT_AUDIENCE", lambda value: value),
    "ISSUER": ("JWT_ISSUER", lambda value: value),
    "LEEWAY": ("JWT_LEEWAY", lambda value: value.total_seconds() if isinstance(value, timedelta) else value),
    "ACCESS_TOKEN_LIFETIME": ("ACCESS_TOKEN_LIFETIME", lambda value: value.total_seconds()),
    "REFRESH_TOKEN_LIFETIME": ("REFRESH_TOKEN_LIFETIME", lambda value: value.total_seconds()),
}

# simplejwt settings the door refuses unless they keep simplejwt's default, and why.
_SLIDING = ("Token Lab serves no sliding tokens: a sliding token is its own refresh token, so it has no rotation, "
            "no reuse detection and no login family to revoke.")
REFUSED = {
    "VERIFYING_KEY": "verifying keys come from JWT_SIGNING_KEY and JWT_VERIFYING_KEYS, chosen by `kid` (key "
                     "rotation without downtime); set those instead.",
    "JWK_URL": "Token Lab never fetches verifying keys from a URL (RFC 8725 §3.10): a key server that can be "
               "spoofed or reached by an attacker decides what verifies. List the keys in JWT_VERIFYING_KEYS.",
    "ROTATE_REFRESH_TOKENS": "rotation with reuse detection (RFC 9700 §4.14.2) is how the door ends a stolen "
                             "refresh token; a refresh token that never changes could be replayed until it expires.",
    "BLACKLIST_AFTER_ROTATION": "simplejwt's token_blacklist stores every refresh token whole (a table of live "
                                "credentials); the door records rotation by `jti` and a rotated token is dead already.",
    "AUTH_TOKEN_CLASSES": "the door accepts its own AccessToken only (header typ at+jwt, RFC 8725 §3.11); this "
                          "setting is read by the benchmark's stock reference door, which measures stock simplejwt.",
    "TOKEN_TYPE_CLAIM": "the `token_type` claim is bound to the header `typ` and read by every verifier of Token "
                        "Lab's tokens (service B, the inspector); it cannot be renamed.",
    "JTI_CLAIM": "revocation keys on `jti` (RFC 7519 §4.1.7), in the store and in every verifier; it cannot be "
                 "renamed.",
    "USER_AUTHENTICATION_RULE": "logins are admitted by accounts.admission (active account, no cut-off during the "
                                "password check) on every door alike; a rule for one door would split them.",
    "CHECK_USER_IS_ACTIVE": "an inactive user never logs in, and deactivation ends every token (a database cut-off); "
                            "it cannot be switched off.",
    "CHECK_REVOKE_TOKEN": "a password change already ends every token through the user's cut-off, with no user "
                          "query per request; this option would add one and put a digest of the password hash in "
                          "every token (sensitive data in the payload).",
    "REVOKE_TOKEN_CLAIM": "CHECK_REVOKE_TOKEN is refused (see it), so no token carries this claim.",
    "SLIDING_TOKEN_REFRESH_EXP_CLAIM": _SLIDING,
    "SLIDING_TOKEN_LIFETIME": _SLIDING,
    "SLIDING_TOKEN_REFRESH_LIFETIME": _SLIDING,
    "SLIDING_TOKEN_OBTAIN_SERIALIZER": _SLIDING,
    "SLIDING_TOKEN_REFRESH_SERIALIZER": _SLIDING,
    "TOKEN_BLACKLIST_SERIALIZER": "the door has no blacklist endpoint: POST /jwt/logout/ ends a login (its family) "
                                  "and /jwt/logout-all/ every login of the user.",
}
# The value each refused setting may keep, where it is not simplejwt's default: the door always rotates.
ACCEPTED = {"ROTATE_REFRESH_TOKENS": True}
HONOURED = {"AUTH_HEADER_NAME", "AUTH_HEADER_TYPES", "USER_ID_FIELD", "USER_ID_CLAIM", "TOKEN_USER_CLASS",
            "UPDATE_LAST_LOGIN", "JSON_ENCODER", "TOKEN_OBTAIN_SERIALIZER", "TOKEN_REFRESH_SERIALIZER",
            "TOKEN_VERIFY_SERIALIZER"}
# Claims of every Token Lab token: USER_ID_CLAIM may not name one of them.
RESERVED_CLAIMS = {"iss", "aud", "jti", "fam", "iat", "exp", "nbf", "auth_time", "token_type"}


@register(Tags.security)
def check_simplejwt_settings(app_configs=None, **kwargs):
    """Refuse, by name and with the reason, every `SIMPLE_JWT` entry the JWT door would not honour."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.settings import DEFAULTS

    configured = getattr(settings, "SIMPLE_JWT", None) or {}
    errors = []

    def refuse(name: str, why: str) -> None:
        errors.append(Error(f"SIMPLE_JWT['{name}'] is not supported by Token Lab's JWT door: {why}",
                            hint="Remove it from SIMPLE_JWT (docs/simplejwt.md lists every setting).",
                            id="tokenlab.E024"))

    for name, value in configured.items():
        if name in MIRRORED:
            # Copies of Token Lab's own settings for simplejwt's code (the benchmark's stock door); the door reads
            # the JWT_* settings. Compared with the copy config/settings.py made, not with JWT_* (tests and key
            # rotation change JWT_* alone, on purpose): an edit of the copy alone would be ignored, so it is refused.
            copies = getattr(settings, "SIMPLE_JWT_COPIES", None) or {}
            if name in copies and value != copies[name]:
                errors.append(Error(
                    f"SIMPLE_JWT['{name}'] was changed, but the JWT door reads {MIRRORED[name][0]}, of which this "
                    "entry is a copy: the change would be ignored.",
                    hint=f"Set {MIRRORED[name][0]} (its environment variable) instead; SIMPLE_JWT follows it.",
                    id="tokenlab.E026"))
            continue
        if name in REFUSED:
            if value != ACCEPTED.get(name, DEFAULTS.get(name)):
                refuse(name, REFUSED[name])
        elif name not in HONOURED:
            errors.append(Error(f"SIMPLE_JWT['{name}'] is not a setting of djangorestframework-simplejwt.",
                                hint="A misspelt setting would be ignored; correct or remove it.", id="tokenlab.E025"))
    claim = configured.get("USER_ID_CLAIM", DEFAULTS["USER_ID_CLAIM"])
    field = configured.get("USER_ID_FIELD", DEFAULTS["USER_ID_FIELD"])
    if claim in RESERVED_CLAIMS:
        refuse("USER_ID_CLAIM", f"`{claim}` is a claim Token Lab writes itself; name another claim (or `sub`).")
    elif claim == "sub" and field != get_user_model()._meta.pk.attname:
        refuse("USER_ID_FIELD", "with USER_ID_CLAIM `sub`, the field must be the primary key: `sub` is the key "
                                "the revocation store and every verifier know users by. Name another USER_ID_CLAIM "
                                "to carry this field beside `sub`.")
    return errors
