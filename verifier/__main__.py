"""`python -m verifier --jwks-url http://127.0.0.1:8000/.well-known/jwks.json --port 8002`: run service B."""

import argparse
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

from verifier.jwks import ALGORITHMS, JWKSError, jwks_fetch, jwks_read
from verifier.verify import verifier_build
from verifier.wsgi import create_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jwks", help="path to a JWK Set file")
    source.add_argument("--jwks-url", help="URL of the JWK Set, fetched once now")
    parser.add_argument("--algorithm", default="RS256", choices=ALGORITHMS)
    parser.add_argument("--issuer", default="token-lab")
    parser.add_argument("--audience", default="token-lab-api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    args = parser.parse_args(argv)
    try:
        document = jwks_read(args.jwks) if args.jwks else jwks_fetch(args.jwks_url)
        verifier = verifier_build(document=document, algorithm=args.algorithm, issuer=args.issuer,
                                  audience=args.audience)
    except JWKSError as exc:
        print(f"service B cannot start: {exc}", file=sys.stderr)
        return 2
    with make_server(args.host, args.port, create_app(verifier), handler_class=WSGIRequestHandler) as server:
        print(f"service B on http://{args.host}:{args.port}/whoami with {len(verifier.keys)} key(s); "
              "it will not contact the auth server again.", file=sys.stderr)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
