"""Signing keys for tests: PEM files written to a temporary folder and switched on with the `settings` fixture."""

from pathlib import Path

from jwt_demo.keys import private_pem_generate

_CACHE: dict[str, bytes] = {}


def pem_write(folder: Path, algorithm: str, name: str = "") -> Path:
    """Write a fresh private key for `algorithm` to `folder` and return its path.

    RSA generation is slow on a shared 2-core machine, so each (algorithm, name) pair is generated once per test
    session; different names give different keys (the old and new key of a rotation).
    """
    slot = f"{algorithm}:{name}"
    if slot not in _CACHE:
        _CACHE[slot] = private_pem_generate(algorithm)
    path = folder / f"{algorithm.lower()}{'-' + name if name else ''}.pem"
    path.write_bytes(_CACHE[slot])
    path.chmod(0o600)
    return path


def use_key(settings, folder: Path, algorithm: str, name: str = "", verifying: list[str] | None = None) -> Path:
    """Make Token Lab sign with a new `algorithm` key (and verify with `verifying` too); return the PEM path."""
    path = pem_write(folder, algorithm, name)
    settings.JWT_ALGORITHM = algorithm
    settings.JWT_SIGNING_KEY = str(path)
    settings.JWT_VERIFYING_KEYS = list(verifying or [])
    return path
