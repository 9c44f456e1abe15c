"""The mistakes lab: craft the classic JWT attacks live, and watch who falls for them.

Each scenario mints a genuine token from a throwaway "lab issuer" (an RSA key pair made in memory), crafts the
attack, then asks three verifiers:

- `NaiveVerifier` — DELIBERATELY BROKEN. It believes the token's own `alg` header. It exists only to be shown
  failing on these pages and is not wired to anything that protects a resource.
- the pinned verifier — the same key, but `algorithms=["RS256"]` fixed by the server (RFC 8725 §3.1).
- Token Lab itself — the forged token rewritten in Token Lab's own format and sent through `token_verify`.
No forged token ever authenticates anything: the lab only reports verdicts.
"""

import base64
import hashlib
import hmac
import json
import time
from functools import lru_cache

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings

from jwt_demo.keys import keyring
from jwt_demo.services import token_verify
from jwt_demo.tokens import TokenError, new_id

LAB_ISSUER = "lab-issuer.example"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _json_segment(value: dict) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


@lru_cache(maxsize=1)
def lab_key() -> rsa.RSAPrivateKey:
    """The lab issuer's private key: made once per process, never used by Token Lab's own doors."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def lab_public_pem() -> bytes:
    return lab_key().public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)


def lab_token(claims: dict, *, lifetime: int = 900) -> str:
    now = int(time.time())
    payload = {"iss": LAB_ISSUER, "iat": now, "exp": now + lifetime, **claims}
    return jwt.encode(payload, lab_key(), algorithm="RS256", headers={"typ": "JWT"})


class NaiveVerifier:
    """DELIBERATELY BROKEN — a teaching exhibit. Do not copy; do not wire to an endpoint.

    Its two faults are the classic ones: it lets the token choose the algorithm (so `alg: none` needs no
    signature at all), and it hands the same key bytes to whichever algorithm the token names (so an HS256
    token "signed" with the public key verifies — algorithm confusion).
    """

    def __init__(self, public_pem: bytes):
        self.public_pem = public_pem

    def verify(self, token: str) -> dict:
        header_segment, payload_segment, signature_segment = token.split(".")
        header = json.loads(_unb64(header_segment))
        payload = json.loads(_unb64(payload_segment))
        signing_input = f"{header_segment}.{payload_segment}".encode()
        signature = _unb64(signature_segment)
        alg = header.get("alg", "")
        if alg.lower() == "none":
            return payload  # fault 1: no signature needed
        if alg == "HS256":
            expected = hmac.new(self.public_pem, signing_input, hashlib.sha256).digest()  # fault 2
            if hmac.compare_digest(expected, signature):
                return payload
            raise ValueError("bad HMAC signature")
        if alg == "RS256":
            public_key = serialization.load_pem_public_key(self.public_pem)
            try:
                public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                raise ValueError("bad RSA signature") from None
            return payload
        raise ValueError(f"unsupported alg {alg}")


def pinned_verify(token: str) -> dict:
    """Verify as a careful service does: the server fixes the algorithm and the key."""
    return jwt.decode(token, lab_key().public_key(), algorithms=["RS256"], issuer=LAB_ISSUER)


def _verdict(check) -> dict:
    try:
        return {"accepted": True, "claims": check()}
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        return {"accepted": False, "error": str(exc) or type(exc).__name__}


def _tokenlab_verdict(token: str) -> dict:
    try:
        token_verify(token=token)
        return {"accepted": True}
    except TokenError as exc:
        return {"accepted": False, "error": exc.detail}


def _tokenlab_payload(sub: str) -> dict:
    now = int(time.time())
    return {"iss": settings.JWT_ISSUER, "aud": settings.JWT_AUDIENCE, "sub": sub, "iat": now, "exp": now + 900,
            "jti": new_id(), "fam": new_id(), "token_type": "access"}


def _alg_none() -> dict:
    genuine = lab_token({"sub": "42", "role": "reader"})
    forged_payload = {**json.loads(_unb64(genuine.split(".")[1])), "role": "admin"}
    forged = f"{_json_segment({'alg': 'none', 'typ': 'JWT'})}.{_json_segment(forged_payload)}."
    tokenlab_forged = (f"{_json_segment({'alg': 'none', 'typ': 'at+jwt', 'kid': keyring().current.kid})}."
                       f"{_json_segment(_tokenlab_payload('1'))}.")
    return {"genuine": genuine, "forged": forged, "tokenlab_forged": tokenlab_forged,
            "change": 'Header set to {"alg": "none"}, role changed to "admin", signature removed.'}


def _hs_rs_confusion() -> dict:
    genuine = lab_token({"sub": "42", "role": "reader"})
    forged_payload = {**json.loads(_unb64(genuine.split(".")[1])), "role": "admin"}
    signing_input = f"{_json_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_json_segment(forged_payload)}"
    signature = hmac.new(lab_public_pem(), signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{_b64(signature)}"
    # Against Token Lab: the same trick, an HMAC "signed" with whatever public material the attacker holds.
    other_alg = "RS256" if settings.JWT_ALGORITHM == "HS256" else "HS256"
    tl_input = (f"{_json_segment({'alg': other_alg, 'typ': 'at+jwt', 'kid': keyring().current.kid})}."
                f"{_json_segment(_tokenlab_payload('1'))}")
    tl_signature = hmac.new(lab_public_pem(), tl_input.encode(), hashlib.sha256).digest()
    return {"genuine": genuine, "forged": forged, "tokenlab_forged": f"{tl_input}.{_b64(tl_signature)}",
            "change": "Header switched to HS256 and the token MACed with the issuer's *public* key, which is public."}


def _long_expiry() -> dict:
    genuine = lab_token({"sub": "42", "role": "reader"}, lifetime=30 * 86400)
    return {"genuine": genuine, "forged": genuine, "tokenlab_forged": None,
            "change": "Nothing forged: the attacker simply stole a 30-day token. The user 'logs out', but no "
                      "verifier here keeps a denylist, so the stolen copy keeps working for 30 days."}


def _sensitive_payload() -> dict:
    genuine = lab_token({"sub": "42", "email": "alice@example.test", "ssn": "078-05-1120",
                         "card_last4": "4242", "address": "1 Main St"})
    return {"genuine": genuine, "forged": genuine, "tokenlab_forged": None,
            "change": "Nothing forged: anyone who sees the token (a proxy log, a browser extension) base64-decodes "
                      "the payload without any key."}


SCENARIOS = {
    "alg-none": ("alg: none", _alg_none),
    "hs-rs-confusion": ("HS256/RS256 algorithm confusion", _hs_rs_confusion),
    "long-expiry": ("Long expiry without refresh", _long_expiry),
    "sensitive-payload": ("Sensitive data in the payload", _sensitive_payload),
}


def scenario_run(*, name: str) -> dict | None:
    """Run one scenario; return None for an unknown name."""
    if name not in SCENARIOS:
        return None
    title, build = SCENARIOS[name]
    tokens = build()
    naive = NaiveVerifier(lab_public_pem())
    result = {
        "scenario": name, "title": title, "change": tokens["change"], "genuine": tokens["genuine"],
        "forged": tokens["forged"],
        "naive": _verdict(lambda: naive.verify(tokens["forged"])),
        "pinned": _verdict(lambda: pinned_verify(tokens["forged"])),
        "tokenlab": _tokenlab_verdict(tokens["tokenlab_forged"]) if tokens["tokenlab_forged"] else None,
    }
    return result
