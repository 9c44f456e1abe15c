"""`manage.py verify_token <token> --jwks FILE`: verify an access token as service B would, with public keys only.

It runs the stand-alone `verifier` package: no database query, no Redis, no call to the auth server. A token
revoked at the auth server still passes here until `exp` — the point of the demonstration.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from verifier.jwks import ALGORITHMS, JWKSError, jwks_fetch, jwks_read
from verifier.verify import VerificationError, verifier_build


class Command(BaseCommand):
    help = "Verify an access token with a JWKS only (no database, no Redis): what a microservice sees."

    def add_arguments(self, parser):
        parser.add_argument("token")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--jwks", help="path to a JWK Set file (e.g. saved from /.well-known/jwks.json)")
        source.add_argument("--jwks-url", help="URL of the JWK Set, fetched once")
        parser.add_argument("--algorithm", choices=ALGORITHMS, help="pinned algorithm (default: JWT_ALGORITHM)")
        parser.add_argument("--issuer", help="expected iss (default: JWT_ISSUER)")
        parser.add_argument("--audience", help="expected aud (default: JWT_AUDIENCE)")

    def handle(self, *args, token, jwks=None, jwks_url=None, algorithm=None, issuer=None, audience=None, **options):
        algorithm = algorithm or settings.JWT_ALGORITHM
        if algorithm not in ALGORITHMS:
            raise CommandError(f"{algorithm} tokens cannot be verified with public keys: only the auth server, "
                               "which holds the shared secret, can verify them. Pass --algorithm or switch "
                               "JWT_ALGORITHM to RS256, ES256 or EdDSA.")
        try:
            document = jwks_read(jwks) if jwks else jwks_fetch(jwks_url)
            verifier = verifier_build(document=document, algorithm=algorithm,
                                      issuer=issuer or settings.JWT_ISSUER, audience=audience or settings.JWT_AUDIENCE)
            claims = verifier.verify(token.strip())
        except JWKSError as exc:
            raise CommandError(f"Cannot use the key set: {exc}.") from None
        except VerificationError as exc:
            raise CommandError(f"Token refused: {exc.detail} ({exc.code})") from None
        self.stdout.write(json.dumps(claims, indent=2, sort_keys=True))
        self.stdout.write("Valid: signature, algorithm, kid, iss, aud, exp and typ check out. Revocation was not "
                          "checked: this verifier has no denylist.")
