"""What the benchmark measures: each variant is one way of proving who you are, in front of the same resource.

Every variant requests the caller's note list (`GET <door>/notes/`): one query for the notes, then the same
serialization, so what differs between variants is authentication alone. The three settings that shape the
auth path (`SESSION_ENGINE`, `REVOCATION_BACKEND`, `REVOCATION_ENABLED`) are spelled out in full for every
variant; in-process they are applied with `override_settings`, over HTTP they become the environment of the
variant's gunicorn server.
"""

from dataclasses import dataclass, field

SESSION_DB = "sessions_demo.backends.db"
SESSION_CACHE = "django.contrib.sessions.backends.cache"
SESSION_CACHED_DB = "sessions_demo.backends.cached_db"
REVOCATION_DB = "denylist.backends.db.DatabaseRevocationBackend"
REVOCATION_REDIS = "denylist.backends.redis.RedisRevocationBackend"
# The client-side caching experiment (docs/scaling.md): off by default, measured beside the two doors on Redis.
REVOCATION_TRACKED = "denylist.backends.tracking.TrackedRedisRevocationBackend"

BASELINE = "baseline"
_NEUTRAL = {"SESSION_ENGINE": SESSION_DB, "REVOCATION_BACKEND": REVOCATION_DB, "REVOCATION_ENABLED": True}


@dataclass(frozen=True)
class Variant:
    """One measured configuration.

    `login` names how a credential is obtained and revoked (see `bench.credentials.LOGINS`); `settings` holds
    the overrides of the neutral profile; `needs_redis` variants are skipped, with a note, without REDIS_URL.
    """

    key: str
    label: str
    door: str
    path: str
    login: str
    explain: str
    settings: dict = field(default_factory=dict)
    needs_redis: bool = False

    @property
    def profile(self) -> dict:
        """The full auth-path settings of this variant (neutral profile plus overrides)."""
        return {**_NEUTRAL, **self.settings}

    def environment(self) -> dict:
        """The profile as environment variables, for a server process (see config/settings.py)."""
        profile = self.profile
        return {"SESSION_ENGINE": profile["SESSION_ENGINE"], "REVOCATION_BACKEND": profile["REVOCATION_BACKEND"],
                "REVOCATION_ENABLED": "1" if profile["REVOCATION_ENABLED"] else "0"}


VARIANTS: tuple[Variant, ...] = (
    Variant(BASELINE, "baseline: no authentication", "none", "/bench/baseline/api/notes/", "asserted",
            "Same view, same query; the caller is named by an unchecked X-Bench-User header (no credential)."),
    Variant("session-db", "session · db store", "session", "/session/api/notes/", "session",
            "Token Lab's session store in the database: the session row (the user row only when a view needs it).",
            {"SESSION_ENGINE": SESSION_DB}),
    Variant("session-cache", "session · Django cache engine", "session", "/session/api/notes/", "session",
            "Django's `cache` session engine (Redis when REDIS_URL is set, else per-process memory); user row.",
            {"SESSION_ENGINE": SESSION_CACHE}),
    Variant("session-cached-db", "session · cached_db (Redis)", "session", "/session/api/notes/", "session",
            "Token Lab's cached_db store: the session and its revocation check in one Redis pipeline; the user row "
            "only when a view needs it.",
            {"SESSION_ENGINE": SESSION_CACHED_DB, "REVOCATION_BACKEND": REVOCATION_REDIS}, needs_redis=True),
    Variant("jwt-stateless", "JWT · stateless", "jwt", "/jwt/api/notes/", "jwt",
            "Signature and claims only: Token Lab's verifier with the revocation check switched off.",
            {"REVOCATION_ENABLED": False}),
    Variant("jwt-simplejwt", "JWT · simplejwt + user lookup", "jwt", "/bench/simplejwt/api/notes/", "jwt",
            "simplejwt's stock JWTAuthentication on Token Lab's tokens: verify, then load the user row."),
    Variant("jwt-revocation-redis", "JWT · revocation check (Redis)", "jwt", "/jwt/api/notes/", "jwt",
            "Token Lab's verifier plus the revocation store's Redis fast path (one HMGET).",
            {"REVOCATION_BACKEND": REVOCATION_REDIS}, needs_redis=True),
    Variant("jwt-revocation-db", "JWT · revocation check (database)", "jwt", "/jwt/api/notes/", "jwt",
            "Token Lab's verifier plus the revocation store's database backend (one indexed query).",
            {"REVOCATION_BACKEND": REVOCATION_DB}),
    Variant("session-cached-db-tracking", "session · cached_db + client-side caching", "session",
            "/session/api/notes/", "session",
            "Experiment, off by default: the cached_db store on the client-side caching backend. The session itself "
            "is read from Redis, so its check still rides in that one pipeline: nothing to skip.",
            {"SESSION_ENGINE": SESSION_CACHED_DB, "REVOCATION_BACKEND": REVOCATION_TRACKED}, needs_redis=True),
    Variant("jwt-revocation-tracking", "JWT · revocation check + client-side caching", "jwt", "/jwt/api/notes/",
            "jwt",
            "Experiment, off by default: the revocation check answered from the worker's memory while Redis (CLIENT "
            "TRACKING) has said nothing changed; a repeated check makes no round trip.",
            {"REVOCATION_BACKEND": REVOCATION_TRACKED}, needs_redis=True),
    Variant("drf-token", "DRF TokenAuthentication", "drf-token", "/bench/drf-token/api/notes/", "drf-token",
            "Outside reference: rest_framework.authtoken, a random key looked up with its user in one query."),
)


BY_KEY: dict[str, Variant] = {v.key: v for v in VARIANTS}
