"""Refresh rotation's one rule: a refresh token is used once, and a second use ends its whole login.

RFC 9700 §4.14.2: a refresh token presented after it was exchanged has been stolen — by whoever presents it now, or
by whoever presented it first — so the login it belongs to ends for the thief and the victim alike.

Both users of rotation settle an exchange here, `refresh_use_settle`: the JWT door (`jwt_demo.services`) and the
drop-in for stock simplejwt projects (`denylist.simplejwt.serializers`). Each records the use in its own store of
state, and must (docs/architecture.md, "One rotation, two records of use"):

- the JWT door records every refresh token when it issues it (`jwt_demo.models.RefreshToken`, an allow-list: a token
  it never recorded is refused) and marks the presented one rotated with one conditional `UPDATE`, in the
  transaction that holds the user's row lock and mints the successor — so no rotation outlives the account, and the
  login's row carries its absolute lifetime and what the console shows;
- the drop-in serves tokens minted by stock simplejwt, which records nothing when it issues one: it can only record
  a token's *use*, as an entry of the revocation store under its unique (kind, key) constraint
  (`denylist.simplejwt.services.refresh_token_use`), so a token it never saw is presumed unused.

Either record is written so that of concurrent exchanges of one token exactly one is the first use (`Use.FIRST`).
"""

import enum
from collections.abc import Callable

from denylist.reasons import Reason

__all__ = ["REUSE", "RefreshRefused", "RefreshReused", "Use", "refresh_use_settle"]

REUSE = Reason.REUSE  # the reason a login ended by reuse detection is recorded with, in every store


class Use(enum.Enum):
    """What recording one exchange of a refresh token found."""

    FIRST = "first"  # this exchange won: the caller mints the successor
    REUSED = "reused"  # the token was exchanged before: reuse, its login ends
    REFUSED = "refused"  # the token cannot be exchanged for another reason (revoked, unknown, expired, login over)


class RefreshReused(Exception):
    """The refresh token was used before; its login has been ended. Callers answer with their `token_reused`."""


class RefreshRefused(Exception):
    """The refresh token cannot be exchanged; nothing was ended. Callers answer with their own refusal."""


def refresh_use_settle(*, use: Use, login_end: Callable[[str], None]) -> None:
    """Settle one exchange of a refresh token from what recording its use found.

    Return for `Use.FIRST`: the caller mints the successor. For `Use.REUSED`, end the login first —
    `login_end(REUSE)` must end every access and refresh token of it, durably, before it returns — then raise
    RefreshReused. For `Use.REFUSED`, raise RefreshRefused. Call it outside any transaction of the caller's: an
    exception raised inside one would roll back the login's end along with it.
    """
    if use is Use.FIRST:
        return
    if use is Use.REUSED:
        login_end(REUSE)
        raise RefreshReused()
    raise RefreshRefused()
