"""Service B: a stand-alone verifier of Token Lab's access tokens that holds nothing but public keys.

It stands for any microservice behind the auth server. It reads the auth server's JWK Set once — from a file, or
by one HTTP request when it starts — and from then on verifies every token on its own: no call to the auth
server, no database, no Redis. This package imports neither Django nor redis, and shares no code with
`jwt_demo`: another team's service would not either.

Both halves of the article's claim show here. Verification needs no round trip; and for the same reason this
service cannot know that a token was revoked (logout, password change, suspension) — it accepts it until `exp`.
That is why access tokens are short-lived.

- `verifier.jwks`: load and vet the key set;
- `verifier.verify`: the `Verifier` (pinned algorithm, `iss`, `aud`, `exp`, `typ`);
- `verifier.wsgi`: `GET /whoami` as a WSGI app (`gunicorn verifier.wsgi`), configured from the environment;
- `python -m verifier`: the same app on a loopback port, for the workshop.
"""
