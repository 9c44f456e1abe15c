"""`manage.py rotate_signing_key`: make a new JWT signing key and tell the operator how to roll it out.

Nothing running changes: the command writes a new PEM (RS256, ES256, EdDSA) or prints a new HMAC secret (HS256),
and prints the settings for a rotation in which no token stops working early:

1. publish: the new key goes into `JWT_VERIFYING_KEYS` first, so verifiers that cache the JWKS learn its `kid`
   before any token carries it;
2. switch: the new key becomes `JWT_SIGNING_KEY`, and the old one moves into `JWT_VERIFYING_KEYS`, so tokens it
   signed keep verifying;
3. retire: after the longest token lifetime, the old key leaves `JWT_VERIFYING_KEYS`.
"""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jwt_demo.keys import ASYMMETRIC, key_describe, private_pem_generate


class Command(BaseCommand):
    help = "Write a new JWT signing key (PEM) or print a new HMAC secret, and print the rotation steps."

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", choices=["HS256", *sorted(ASYMMETRIC)],
                            help="algorithm of the new key (default: JWT_ALGORITHM)")
        parser.add_argument("--out", help="where to write the new PEM private key (asymmetric algorithms; must not "
                                          "exist yet)")

    def handle(self, *args, algorithm=None, out=None, **options):
        algorithm = algorithm or settings.JWT_ALGORITHM
        asymmetric = algorithm in ASYMMETRIC
        if asymmetric:
            new_spec = self._write_pem(algorithm, out)
        elif out:
            raise CommandError("--out is for PEM keys; an HS256 secret is printed, to go into the environment.")
        else:
            new_spec = secrets.token_urlsafe(48)
        new_kid = key_describe(new_spec, algorithm).kid
        if algorithm != settings.JWT_ALGORITHM:
            self.stdout.write("\n".join([
                f"New {algorithm} signing key (kid {new_kid}):", f"  {new_spec}", "",
                f"This is not a rotation: the server pins {settings.JWT_ALGORITHM}. To switch, set "
                f"JWT_ALGORITHM={algorithm}, JWT_SIGNING_KEY={new_spec} and an empty JWT_VERIFYING_KEYS, and restart.",
                f"Every token signed under {settings.JWT_ALGORITHM} then fails the algorithm pin (401): users log in "
                "again. Old keys cannot be kept, since one server verifies one algorithm (RFC 8725 §3.1).",
            ]))
            return
        current = settings.JWT_SIGNING_KEY
        current_kid = key_describe(current, algorithm).kid
        others = [spec for spec in settings.JWT_VERIFYING_KEYS if spec != current]
        # The current HMAC secret is never echoed: only the new one, which the operator needs, is printed.
        old = current if asymmetric else "$JWT_SIGNING_KEY"  # the current secret, by reference
        lifetime = max(settings.ACCESS_TOKEN_LIFETIME, settings.REFRESH_TOKEN_LIFETIME)
        lines = [f"New {algorithm} signing key (kid {new_kid}):", f"  {new_spec}", "",
                 "Rotate without logging anyone out:"]
        if asymmetric:
            lines += [
                f"  1. Publish. Set JWT_VERIFYING_KEYS={','.join([new_spec, *others])}",
                "     and restart every worker: /.well-known/jwks.json lists the new kid, so services that cache the",
                "     JWKS learn it before any token carries it. Wait until their caches have refreshed.",
            ]
        lines += [
            f"  {2 if asymmetric else 1}. Switch. Set JWT_SIGNING_KEY={new_spec}",
            f"     and JWT_VERIFYING_KEYS={','.join([old, *others])}",
            f"     and restart every worker. Tokens signed by the old key (kid {current_kid}) keep verifying.",
            f"  {3 if asymmetric else 2}. Retire. After {lifetime} s (the longest token lifetime), drop the old key "
            "from JWT_VERIFYING_KEYS.",
            "",
            "A key that leaked is not rotated but retired at once: switch and drop it in the same step; every token",
            "it signed then fails with 401 (unknown kid).",
        ]
        self.stdout.write("\n".join(lines))

    def _write_pem(self, algorithm: str, out: str | None) -> str:
        if not out:
            raise CommandError(f"--out PATH is required for {algorithm}: where to write the new private key.")
        path = Path(out).expanduser().resolve()
        try:
            # O_EXCL: never overwrite a key that may be in use; 0600: a private key is readable by its owner only.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists; choose a new file (a key in use must never be overwritten).") from None
        except OSError as exc:
            raise CommandError(f"Cannot create {path}: {exc.strerror}.") from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem_generate(algorithm))
        return str(path)
