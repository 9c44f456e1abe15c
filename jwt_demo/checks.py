"""Deployment checks (`manage.py check --deploy`) of the JWT door: its keys and its token policy.

Registered with `deploy=True` (in this app's `ready()`), so they run under `--deploy` only; `--fail-level WARNING`
in CI makes every one of them blocking.
"""

import math
from collections import Counter

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


