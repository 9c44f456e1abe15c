"""Mint hostile tokens from the declarative cases in tests/security/corpus.json, with the test suite's own keys.

A case names how to start (a genuine access or refresh token of the victim), what to change in its header and
payload, and how to sign the result. Signing with the real key is deliberate for claim and header cases: it
proves that the check that stops them is not the signature but the claim or header rule itself.

Placeholders in payload and header values:
- "$now", "$now+N", "$now-N": Unix seconds relative to the frozen clock the caller passes in;
- "$victim", "$other": the two users' ids as strings; "$victim_int": the victim id as a JSON number;
- "$new_id": a fresh 32-hex id; "$delete": remove the member; "$repeat:<text>:<n>": <text> repeated n times;
- "$nest:<n>": n nested JSON arrays; "$int:<digits>": an integer too big for a JSON file; "$nan", "$inf".

Signing methods: "key" (the server's real key), "original" (the genuine token's signature, kept while the header
or payload is changed: tampering), "none" (empty signature segment), "strip" (no signature segment at all),
"wrong-hmac", "zeros", "public-key-hmac" / "public-jwk-hmac" (algorithm confusion), "foreign-rs256",
"foreign-es256", "foreign-eddsa" (an attacker's own keys).
"""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from jwt_demo.keys import keyring
from jwt_demo.tokens import ACCESS, REFRESH, TYP, new_id

CORPUS = json.loads((Path(__file__).parents[1] / "security" / "corpus.json").read_text())
_RELATIVE = re.compile(r"\$now([+-]\d+)?")
_REPEAT = re.compile(r"\$repeat:(.+?):(\d+)")
# The order of the P-256 group: (r, n - s) is a second valid ECDSA signature of the same message.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def json_segment(value) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


@dataclass(frozen=True)
class Forged:
    name: str
    token: str


@dataclass(frozen=True)
class Foreign:
    """Keys an attacker holds: a foreign RSA, EC and Ed25519 key, and the server's public key when asymmetric."""

    rsa: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    ed: ed25519.Ed25519PrivateKey

    @classmethod
    def generate(cls) -> "Foreign":
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                   ec.generate_private_key(ec.SECP256R1()), ed25519.Ed25519PrivateKey.generate())


def _value(raw, *, now: int, victim: int, other: int):
    """Resolve one placeholder (see the module docstring); other values pass through unchanged."""
    if isinstance(raw, list):
        return [_value(item, now=now, victim=victim, other=other) for item in raw]
    if isinstance(raw, dict):
        return {k: _value(v, now=now, victim=victim, other=other) for k, v in raw.items()}
    if not isinstance(raw, str) or not raw.startswith("$") or raw == "$delete":
        return raw
    if _REPEAT.fullmatch(raw):
        return expand(raw)
    if match := _RELATIVE.fullmatch(raw):
        return now + int(match[1] or 0)
    if raw.startswith("$int:"):
        return int(raw[len("$int:"):])
    if raw in {"$nan", "$inf"}:
        return float(raw[1:])
    if raw.startswith("$nest:"):
        depth = int(raw[len("$nest:"):])
        return json.loads("[" * depth + "]" * depth)
    from jwt_demo.tokens import new_id

    return {"$victim": str(victim), "$other": str(other), "$victim_int": victim, "$new_id": new_id()}[raw]


def expand(text: str, context: dict[str, str] | None = None) -> str:
    """Expand every "$repeat:<text>:<n>" in `text`, then every "{name}" of `context` (e.g. "{access}")."""
    text = _REPEAT.sub(lambda m: m[1] * int(m[2]), text)
    for name, value in (context or {}).items():
        text = text.replace("{" + name + "}", value)
    return text


def genuine_parts(*, token_type: str, user_id: int, now: int, family: str, jti: str) -> tuple[dict, dict]:
    """Return the header and payload Token Lab itself would mint for this user at `now`."""
    from django.conf import settings

    key = keyring().current
    lifetime = settings.ACCESS_TOKEN_LIFETIME if token_type == ACCESS else settings.REFRESH_TOKEN_LIFETIME
    header = {"alg": key.algorithm, "kid": key.kid, "typ": TYP[token_type]}
    payload = {"iss": settings.JWT_ISSUER, "aud": settings.JWT_AUDIENCE, "sub": str(user_id), "iat": now,
               "auth_time": now, "exp": now + lifetime, "jti": jti, "fam": family, "token_type": token_type}
    return header, payload


def _merge(base: dict, changes: dict) -> dict:
    merged = dict(base)
    for name, value in changes.items():
        if value == "$delete":
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def sign(signing_input: str, how: str, foreign: Foreign) -> str:
    """Return the signature segment for `signing_input` made the way `how` names."""
    data = signing_input.encode()
    key = keyring().current
    if how == "key":
        if key.algorithm == "HS256":
            return b64(hmac.new(key.signing, data, hashlib.sha256).digest())
        return _asymmetric(key.algorithm, key.signing, data)
    if how in {"none", "strip"}:
        return ""
    if how == "wrong-hmac":
        return b64(hmac.new(b"not the key" * 4, data, hashlib.sha256).digest())
    if how == "public-key-hmac":
        # Algorithm confusion (RFC 8725 §2.1): HMAC keyed with the server's public key, which anyone can fetch.
        public = key.verifying if key.algorithm != "HS256" else foreign.rsa.public_key()
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return b64(hmac.new(pem, data, hashlib.sha256).digest())
    if how == "public-jwk-hmac":
        jwk = key.public_jwk or {"kty": "RSA"}
        return b64(hmac.new(json.dumps(jwk).encode(), data, hashlib.sha256).digest())
    if how == "foreign-rs256":
        return _asymmetric("RS256", foreign.rsa, data)
    if how == "foreign-es256":
        return _asymmetric("ES256", foreign.ec, data)
    if how == "foreign-eddsa":
        return _asymmetric("EdDSA", foreign.ed, data)
    if how == "zeros":
        return b64(b"\0" * 32)
    raise ValueError(f"unknown signing method {how!r}")


def _asymmetric(algorithm: str, private_key, data: bytes) -> str:
    if algorithm == "RS256":
        return b64(private_key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    if algorithm == "ES256":
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return b64(private_key.sign(data))


def high_s_twin(token: str) -> str:
    """Return the other valid ES256 signature of the same token: (r, n - s). Same claims, new string."""
    head, body, signature = token.split(".")
    raw = unb64(signature)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    encode_dss_signature(r, P256_ORDER - s)  # validates the pair
    return f"{head}.{body}.{b64(r.to_bytes(32, 'big') + (P256_ORDER - s).to_bytes(32, 'big'))}"


def reencodings(token: str) -> list[tuple[str, str]]:
    """Return other spellings of the same bytes: padding, the `+/` alphabet, and flipped unused low bits."""
    variants = []
    segments = token.split(".")
    for index, segment in enumerate(segments):
        def replace(new, index=index):
            return ".".join(new if i == index else s for i, s in enumerate(segments))

        if len(segment) % 4:
            variants.append((f"padded-{index}", replace(segment + "=" * (-len(segment) % 4))))
        std = segment.replace("-", "+").replace("_", "/")
        if std != segment:
            variants.append((f"std-alphabet-{index}", replace(std)))
        spare_bits = {2: 4, 3: 2}.get(len(segment) % 4, 0)
        if spare_bits:
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            last = alphabet.index(segment[-1])
            for bit in range(spare_bits):
                variants.append((f"low-bit{bit}-{index}", replace(segment[:-1] + alphabet[last ^ (1 << bit)])))
    variants.append(("trailing-dot", token + "."))
    return variants


def forge_all(*, now: int, victim: int, other: int, foreign: Foreign, victim_tokens: dict, other_tokens: dict,
              only: str | None = None) -> list[Forged]:
    """Render every case of corpus.json's "forged_tokens" and "spliced_tokens" sections (or just the one named)."""
    forged = []
    for case in CORPUS["forged_tokens"]:
        if only is not None and case["name"] != only:
            continue
        token_type = case.get("base", ACCESS)
        genuine_header, genuine_payload = genuine_parts(token_type=token_type, user_id=victim, now=now,
                                                        family=new_id(), jti=new_id())
        header, payload = genuine_header, genuine_payload
        header = _merge(header, _value(case.get("header", {}), now=now, victim=victim, other=other))
        payload = _merge(payload, _value(case.get("payload", {}), now=now, victim=victim, other=other))
        genuine_input = f"{json_segment(genuine_header)}.{json_segment(genuine_payload)}"
        head = b64(expand(case["raw_header"]).encode()) if "raw_header" in case else json_segment(header)
        body = b64(expand(case["raw_payload"]).encode()) if "raw_payload" in case else json_segment(payload)
        signing_input = f"{head}.{body}"
        how = case["sign"]
        signature = sign(genuine_input, "key", foreign) if how == "original" else sign(signing_input, how, foreign)
        token = f"{signing_input}.{signature}"
        if case["sign"] == "strip":
            token = signing_input
        forged.append(Forged(case["name"], token))
    parts = {"victim": {k: v.split(".") for k, v in victim_tokens.items()},
             "other": {k: v.split(".") for k, v in other_tokens.items()}}
    index = {"header": 0, "payload": 1, "signature": 2}
    for case in CORPUS["spliced_tokens"]:
        if only is not None and case["name"] != only:
            continue
        segments = []
        for source in case["from"]:
            who, kind, part = source.split(".")
            segments.append(parts[who][kind][index[part]])
        forged.append(Forged(case["name"], ".".join(segments)))
    for name, token in reencodings(victim_tokens[ACCESS]):
        forged.append(Forged(f"reencoded-access-{name}", token))
    for name, token in reencodings(victim_tokens[REFRESH]):
        forged.append(Forged(f"reencoded-refresh-{name}", token))
    return forged
