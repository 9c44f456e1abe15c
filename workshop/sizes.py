"""Why a token is the size it is: the same claims signed with each algorithm, measured segment by segment."""

import json
import secrets
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from workshop.attacks import lab_key as lab_rsa_key
from workshop.serviceb import _lab_key

ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")


@lru_cache(maxsize=1)
def _keys() -> dict:
    # Throwaway keys that sign nothing but these measurements; only their sizes matter.
    return {"HS256": secrets.token_bytes(32), "RS256": lab_rsa_key(), "ES256": ec.generate_private_key(ec.SECP256R1()),
            "EdDSA": _lab_key()[0]}


def token_sizes(*, claims: dict, header: dict) -> dict:
    """Return the byte size of a token with these claims and header under each algorithm, and what makes it up."""
    payload_json = json.dumps(claims, separators=(",", ":"))
    rows = []
    for algorithm in ALGORITHMS:
        token = jwt.encode(claims, _keys()[algorithm], algorithm=algorithm, headers=header)
        head, body, signature = token.split(".")
        rows.append({"algorithm": algorithm, "bytes": len(token), "header": len(head), "payload": len(body),
                     "signature": len(signature)})
    return {"claims": len(claims), "claim_names": sorted(claims), "payload_json_bytes": len(payload_json),
            "algorithms": rows}
