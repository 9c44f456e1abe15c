"""The token inspector: decode any JWT without a key and name the classic mistakes it shows.

Decoding needs no key — that is the lesson: a JWT payload is base64url, not encryption. The inspector also asks
Token Lab's own verifier (pinned algorithm, signature, claims, revocation) whether it would accept the token,
so participants see the difference between "I can read it" and "the server trusts it".
"""

import base64
import binascii
import json
import math
import re
import time
from dataclasses import asdict, dataclass

from django.conf import settings

from jwt_demo.services import token_verify
from jwt_demo.tokens import TokenError

MAX_INPUT = 16 * 1024
SESSION_ID_BYTES = 32
LONG_LIVED_SECONDS = 3600
# A NumericDate (RFC 7519 §2) beyond about the year 33658 is no date at all; the same bound Token Lab's verifier uses.
MAX_NUMERIC_DATE = 10**12
# Claim names that suggest personal or secret data (OWASP JWT cheat sheet: "token information disclosure").
_SENSITIVE = re.compile(r"pass|pwd|secret|ssn|social|card|cvv|iban|birth|dob|address|phone|salary|email|tax",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    severity: str  # "danger", "warning" or "info"
    title: str
    explanation: str


class _NotJSONNumber(ValueError):
    """A number the JSON text spells but JSON cannot carry: NaN, ±Infinity, or a float beyond binary64."""


def _refuse_constant(name: str):
    raise _NotJSONNumber(f"uses {name}, which is not a JSON number (RFC 8259 §6)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSONNumber(f"holds the number {text[:20]}, too large for any JSON parser to read (RFC 8259 §6)")
    return value


def _decode_segment(segment: str):
    """Decode one base64url JSON segment; return (value, error).

    Python's json reads NaN and Infinity, and turns 1e400 into inf; neither is JSON, and neither could be shown
    back as JSON, so both are reported as the reason the segment is unreadable.
    """
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return None, "is not base64url"
    try:
        return json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float), None
    except RecursionError:
        return None, "is JSON nested too deeply to read"
    except _NotJSONNumber as exc:
        return None, str(exc)
    except (ValueError, UnicodeDecodeError):
        return None, "is not JSON"


def token_inspect(*, token: str, now: float | None = None) -> dict:
    """Return the decoded parts of `token`, its sizes, the mistakes it shows, and Token Lab's verdict.

    Never raises for any string input; the caller rejects non-strings and strings over MAX_INPUT.
    """
    now = time.time() if now is None else now
    token = token.strip()
    parts = token.split(".")
    report = {"bytes": len(token.encode()), "session_id_bytes": SESSION_ID_BYTES, "header": None, "payload": None,
              "signature_bytes": 0, "findings": [], "accepted_here": False, "verdict": ""}
    findings: list[Finding] = []
    if len(parts) != 3:
        findings.append(Finding("danger", "Not a JWT", "A JWS compact token has three dot-separated parts "
                                f"(header.payload.signature); this has {len(parts)}."))
        report.update(findings=[asdict(f) for f in findings], verdict="Token Lab would refuse it: malformed.")
        return report
    header, header_error = _decode_segment(parts[0])
    payload, payload_error = _decode_segment(parts[1])
    report["signature_bytes"] = len(parts[2]) * 3 // 4
    for name, value, error in (("header", header, header_error), ("payload", payload, payload_error)):
        if error:
            findings.append(Finding("danger", f"Unreadable {name}", f"The {name} {error}."))
        elif not isinstance(value, dict):
            findings.append(Finding("danger", f"Odd {name}", f"The {name} should be a JSON object."))
        else:
            report[name] = value
    if isinstance(report["header"], dict):
        findings += _header_findings(report["header"])
    if isinstance(report["payload"], dict):
        findings += _payload_findings(report["payload"], now)
    try:
        token_verify(token=token)
        report.update(accepted_here=True, verdict="Token Lab accepts this token: signature, claims and revocation "
                                                  "check all pass.")
    except TokenError as exc:
        report["verdict"] = f"Token Lab refuses this token: {exc.detail}"
    report["findings"] = [asdict(f) for f in findings]
    return report


def _header_findings(header: dict) -> list[Finding]:
    found = []
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        found.append(Finding("danger", "Unsigned token (alg: none)", "Anyone can write this token. A verifier "
                             "that believes the header's alg accepts it (RFC 8725 §2.1, §3.1)."))
    elif alg != settings.JWT_ALGORITHM:
        found.append(Finding("warning", f"Algorithm {alg} is not this server's",
                             f"Token Lab pins {settings.JWT_ALGORITHM}; a verifier that lets the token choose the "
                             "algorithm can be tricked into HS/RS confusion (RFC 8725 §2.1)."))
    for name in ("jku", "x5u", "jwk", "x5c"):
        if name in header:
            found.append(Finding("danger", f"Header names its own key ({name})", "A verifier that fetches or "
                                 "trusts a key named by the token lets the attacker pick the key (RFC 8725 §3.10)."))
    if "kid" in header and isinstance(header["kid"], str) and re.search(r"[./\\'\"]", header["kid"]):
        found.append(Finding("danger", "Suspicious kid", "A kid with path or quote characters aims at verifiers "
                             "that look keys up in files or SQL."))
    return found


def _numeric_date(payload: dict, name: str, found: list[Finding]) -> int | float | None:
    """Return the claim `name` when it is a usable NumericDate; None when absent, ill-typed or out of range."""
    value = payload.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if abs(value) >= MAX_NUMERIC_DATE:
        found.append(Finding("danger", f"{name} is not a finite NumericDate",
                             f"{name} should be seconds since 1970 (RFC 7519 §2); this one is {len(str(int(value)))} "
                             "digits long. A verifier that does arithmetic on it can overflow or crash, and one that "
                             "compares it may treat the token as never expiring. Token Lab refuses it."))
        return None
    return value


def _payload_findings(payload: dict, now: float) -> list[Finding]:
    found = []
    exp, iat = _numeric_date(payload, "exp", found), _numeric_date(payload, "iat", found)
    if exp is None:
        found.append(Finding("danger", "No expiry", "Without exp a stolen token works forever."))
    else:
        start = iat if iat is not None else now
        lifetime = exp - start
        if lifetime > LONG_LIVED_SECONDS and payload.get("token_type") != "refresh":
            found.append(Finding("warning", f"Long-lived access token ({_human(lifetime)})",
                                 "A stolen copy keeps working that long unless every server checks a denylist. "
                                 "Prefer ~15-minute access tokens plus refresh tokens."))
        if exp <= now:
            found.append(Finding("info", "Expired", f"It expired {_human(now - exp)} ago."))
        else:
            found.append(Finding("info", "Time left", f"It expires in {_human(exp - now)}."))
    sensitive = sorted(k for k in payload if _SENSITIVE.search(str(k)))
    if sensitive:
        found.append(Finding("warning", "Sensitive data in the payload", "Anyone who sees the token can read "
                             f"{', '.join(sensitive)}: base64url is an encoding, not encryption."))
    size = len(json.dumps(payload, separators=(",", ":")))
    if size > 1000:
        found.append(Finding("warning", f"Heavy payload ({size} bytes)", "It travels on every request."))
    return found


def _human(seconds: float) -> str:
    seconds = int(abs(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
