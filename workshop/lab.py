"""The guided lab's curriculum: the article's claims, in its order, each a step with an action on both doors."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One claim of the article and how the lab demonstrates it.

    `session` and `jwt` say what the participant does on each door; `lesson` is what the numbers show; `short`
    is the title in a word or two, for the instructor's table header.
    """

    slug: str
    title: str
    short: str
    claim: str
    session: str
    jwt: str
    lesson: str


STEPS: tuple[Step, ...] = (
    Step("credentials", "What you hold", "What you hold",
         "A session token is a random opaque ID (32–64 bytes); a JWT carries its data, signed, and is verified with "
         "no database lookup.",
         "Call /session/api/profile/ with the cookie your browser holds.",
         "Call /jwt/api/profile/ with the access token this page holds.",
         "Compare the credential bytes and the round trips: the session costs a lookup of its row; the JWT's "
         "signature is checked in memory, and Token Lab then asks its denylist once (Redis, or the database when "
         "there is no Redis)."),
    Step("session-revocation", "Sessions end at once", "Sessions end",
         "Sessions: instant revocation — delete the record and the user is logged out everywhere.",
         "Log out everywhere, then call the resource again with the same cookie.",
         "The same action ended your JWTs too: call again with the same token.",
         "The very next request after the action is refused, on both doors: the revocation delay is 0 requests."),
    Step("denylist", "No denylist: a token lives until exp", "Denylist",
         "JWTs cannot be revoked before expiry without a denylist.",
         "Log out: the session row is deleted, the next request is anonymous.",
         "Log out, then present the same token to Token Lab (denylist) and to service B (no denylist).",
         "Token Lab refuses the token at the next request; service B, which holds only public keys, accepts it "
         "until exp. That gap is why access tokens live minutes, not days."),
    Step("payload-size", "Bytes on every request", "Bytes",
         "Smaller payload: a session id is 32–64 bytes, a JWT 500–1000.",
         "Measure the bytes of the cookie on a request.",
         "Measure the Authorization header, and the same claims signed with HS256, RS256, ES256 and EdDSA.",
         "A JWT's size is its claims plus its signature. Token Lab's tokens carry a few short claims (ids and times, "
         "no profile data), so they sit below the article's 500–1000 bytes; an RS256 signature alone is 342 "
         "characters."),
    Step("microservices", "Service B verifies on its own", "Service B",
         "Microservices verify a JWT without calling the auth server.",
         "A session id means nothing to another service: it would have to call Token Lab.",
         "Send your token to service B, which holds only the published public keys.",
         "Service B's request costs 0 database queries and 0 Redis commands: it never calls Token Lab."),
    Step("refresh", "Short access, rotating refresh", "Refresh",
         "Stateless APIs: 15-minute access tokens and refresh tokens.",
         "Sessions have no refresh: the cookie works while its row lives.",
         "Refresh: a new pair, the old refresh token dies. Then replay the old one.",
         "Refresh is stateful: it reads and writes rows. Replaying a rotated refresh token is theft detection: the "
         "whole login is revoked."),
    Step("cross-origin", "Another origin calls the API", "Cross-origin",
         "Cross-domain: a JWT in a header works across domains.",
         "From the other origin, call /session/api/profile/ with cookies.",
         "From the other origin, call /jwt/api/profile/ with the Bearer token.",
         "The page on the second origin can send a header it was given; the browser does not hand it your "
         "cookies, and Token Lab does not let other origins read cookie-authenticated answers."),
    Step("hybrid", "The hybrid pattern", "Hybrid",
         "Hybrid: a 15-minute JWT in memory and a long-lived refresh token in an httpOnly cookie; refresh is where "
         "revocation happens.",
         "The session cookie is HttpOnly too: scripts never see it.",
         "Log in through /jwt/hybrid/login/, then refresh with the cookie your script cannot read.",
         "The page holds the access token in a variable; document.cookie shows neither the refresh cookie nor "
         "the session id."),
    Step("local-storage", "Mistake: a token in localStorage", "localStorage",
         "Mistake: JWT in localStorage (XSS theft).",
         "An injected script reads document.cookie: the HttpOnly session id is not there.",
         "An injected script reads localStorage and replays the token from its own code.",
         "Any script on the page can read localStorage. HttpOnly cookies are out of its reach."),
    Step("long-expiry", "Mistake: long expiry, no refresh", "Long expiry",
         "Mistake: long expiry without refresh.",
         "A session lives as long as the server lets it: ending your other devices deletes their rows, and each "
         "is dead at its next request.",
         "Your own token as a careless issuer would mint it, valid for 30 days: the inspector flags it, and a "
         "verifier with no denylist would accept it for the whole month.",
         "A stolen long-lived token is valid for its whole life wherever there is no denylist. Token Lab issues "
         "access tokens of minutes, refuses any that claims to live longer, and checks its denylist on every "
         "request."),
    Step("sensitive-data", "Mistake: secrets in the payload", "Payload secrets",
         "Mistake: sensitive data in the payload.",
         "The session id says nothing: it is random.",
         "Decode your own token without any key.",
         "Base64url is an encoding, not encryption: anyone holding the token reads every claim."),
    Step("algorithm", "Mistake: an algorithm that is not pinned", "Algorithm",
         "Mistake: not pinning the algorithm.",
         "Sessions have no algorithm to confuse.",
         "Craft alg:none and HS/RS confusion tokens; watch a naive verifier accept them and Token Lab refuse.",
         "The verifier chooses the algorithm, never the token (RFC 8725 §3.1)."),
    Step("simpler", "Which is simpler?", "Simpler",
         "Sessions are the simpler mental model.",
         "Count the session door's moving parts.",
         "Count the JWT door's moving parts.",
         "Endpoints, stored rows, keys and checks, counted live for your account on this server."),
)

STEP_SLUGS = frozenset(step.slug for step in STEPS)
