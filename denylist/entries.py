"""Plain values the revocation backends exchange: what to revoke, and what to check."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    """One thing to revoke. `cutoff_ms` is set for USER entries only."""

    kind: str
    key: str
    expires_at: datetime
    user_id: int | None = None
    cutoff_ms: int | None = None
    reason: str = ""

    @property
    def field(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Stored:
    """An entry as the database holds it: its row id (copy order) and whether a cache in front is known to hold it."""

    pk: int
    entry: Entry
    synced: bool


@dataclass(frozen=True)
class Query:
    """The claims of one credential. A credential is revoked when any present key matches.

    `issued_at_ms` is compared with the USER cut-off of `user_id` (strictly before the cut-off = dead). Give the
    instant the credential's *login* began (a JWT's `auth_time`), not the token's own `iat`: a refresh that was
    already running when the cut-off was written mints tokens after it, and they must die all the same.
    """

    jti: str | None = None
    family: str | None = None
    user_id: int | None = None
    issued_at_ms: int | None = None
    session: str | None = None

    def fields(self) -> list[tuple[str, str]]:
        """Return (kind, key) pairs to look up, in a fixed order."""
        pairs = []
        if self.jti:
            pairs.append(("j", self.jti))
        if self.family:
            pairs.append(("f", self.family))
        if self.user_id is not None and self.issued_at_ms is not None:
            pairs.append(("u", str(self.user_id)))
        if self.session:
            pairs.append(("s", self.session))
        return pairs

    def matches(self, kind: str, cutoff_ms: int | None) -> bool:
        """Tell whether a stored entry of `kind` revokes this credential."""
        if kind == "u":
            return cutoff_ms is not None and self.issued_at_ms is not None and self.issued_at_ms < cutoff_ms
        return True
