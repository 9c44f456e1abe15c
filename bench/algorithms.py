"""HS256 against RS256, ES256 and EdDSA: how big the access token gets and what signing and verifying cost.

Keys are throwaway: generated for the run in a temporary directory and deleted with it. Each algorithm is
measured through Token Lab's own codec (`jwt_demo.tokens.codec`), with the settings a deployment would use
(`JWT_ALGORITHM`, `JWT_SIGNING_KEY` = PEM path), so the numbers include every check the JWT door makes.
"""

import secrets
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.test import override_settings

from bench.transport import wire_request
from jwt_demo.backend import token_backend
from jwt_demo.keys import private_pem_generate
from jwt_demo.tokens import ACCESS, codec, new_id

ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")


def _signing_key(algorithm: str, folder: Path) -> str:
    """Return a JWT_SIGNING_KEY for `algorithm`: a random HMAC secret, or the path of a new PEM private key
    (generated the way Token Lab generates its own keys)."""
    if algorithm == "HS256":
        return secrets.token_urlsafe(48)
    path = folder / f"{algorithm.lower()}.pem"
    path.write_bytes(private_pem_generate(algorithm))
    path.chmod(0o600)
    return str(path)


def _cost(operation, *, seconds: float, max_iterations: int) -> float:
    """Return the mean seconds of `operation()`, repeated until `seconds` pass or `max_iterations` ran."""
    operation()  # warm caches (key objects, JSON encoders) outside the measurement
    count = 0
    started = time.perf_counter()
    deadline = started + seconds
    while count < max_iterations:
        operation()
        count += 1
        if time.perf_counter() >= deadline:
            break
    return (time.perf_counter() - started) / count


@contextmanager
def every_verification_in_full():
    """Switch off the backend's memory of verified tokens: this section measures what verifying a token costs."""
    memory = token_backend.verified
    size, memory.size = memory.size, 0
    try:
        yield
    finally:
        memory.size = size


def algorithms_measure(*, user_id: int, path: str, seconds: float = 0.3, rounds: int = 3,
                       max_iterations: int = 2000, progress=None) -> list[dict]:
    """Return, per algorithm: access-token bytes, whole-request bytes, sign and verify cost (µs), and the verify
    cost as a ratio to HS256's. Every verification is done in full (the backend's memory of verified tokens is
    off while this runs).

    Each algorithm gets `seconds` of signing and as much of verifying, split over `rounds` interleaved batches;
    a cost is the median of its batch means, so a burst of noise lands on one batch, not on one algorithm.
    """
    costs: dict[str, dict[str, list[float]]] = {a: {"sign": [], "verify": []} for a in ALGORITHMS}
    tokens: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="authbench-keys-") as folder, every_verification_in_full():
        keys = {algorithm: _signing_key(algorithm, Path(folder)) for algorithm in ALGORITHMS}
        for number in range(rounds):
            if progress:
                progress(f"token algorithms: round {number + 1}/{rounds}")
            for algorithm in ALGORITHMS:
                with override_settings(JWT_ALGORITHM=algorithm, JWT_SIGNING_KEY=keys[algorithm],
                                       JWT_VERIFYING_KEYS=[]):
                    family = new_id()
                    if algorithm not in tokens:
                        tokens[algorithm], _claims = codec.encode(token_type=ACCESS, user_id=user_id,
                                                                  family=family, lifetime=900)

                    def sign(family=family):
                        codec.encode(token_type=ACCESS, user_id=user_id, family=family, lifetime=900)

                    def verify(token=tokens[algorithm]):
                        codec.decode(token, token_types=(ACCESS,))

                    budget = max(1, max_iterations // rounds)
                    costs[algorithm]["sign"].append(_cost(sign, seconds=seconds / rounds, max_iterations=budget))
                    costs[algorithm]["verify"].append(_cost(verify, seconds=seconds / rounds,
                                                            max_iterations=budget))
    rows = []
    for algorithm in ALGORITHMS:
        token = tokens[algorithm]
        rows.append({
            "algorithm": algorithm,
            "token_bytes": len(token),
            "request_bytes": len(wire_request("GET", path, {"Authorization": f"Bearer {token}"})),
            "sign_us": round(statistics.median(costs[algorithm]["sign"]) * 1e6, 2),
            "verify_us": round(statistics.median(costs[algorithm]["verify"]) * 1e6, 2),
        })
    hs256 = rows[0]["verify_us"]
    for row in rows:
        row["verify_ratio"] = round(row["verify_us"] / hs256, 2) if hs256 else None
    return rows
