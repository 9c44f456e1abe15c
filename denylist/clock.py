"""Time in the revocation store's one vocabulary: Unix milliseconds, exact.

Every instant the store compares is an integer of Unix milliseconds (a cut-off, a login's start, a lease). These
are the only conversions between that integer, a JWT's seconds claims and an aware datetime. They are exact:
integer arithmetic, never `ms / 1000` in floating point, which reads 1.001 s as 1000 ms and so lets a token
minted in the cut-off's millisecond through (or ends a login one millisecond early).
"""

import math
import time
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def now_ms() -> int:
    """Return the current time in Unix milliseconds, the precision of `iat` in Token Lab's tokens."""
    return seconds_ms(time.time())


def seconds_ms(seconds: float) -> int:
    """Return a clock reading in Unix seconds (`time.time()`, a token codec's clock) in Unix ms, truncated."""
    return math.floor(seconds * 1000)


def ms_seconds(ms: int) -> float:
    """Return Unix ms as a JWT NumericDate with a millisecond fraction; `claim_ms` reads it back exactly."""
    return ms / 1000


def ms_datetime(ms: int) -> datetime:
    """Return the instant `ms` (Unix milliseconds) exactly, as an aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=ms)


def datetime_ms(at: datetime) -> int:
    """Return the aware datetime `at` in Unix milliseconds, exactly (a fraction of a millisecond is dropped)."""
    return (at - EPOCH) // _MS


def claim_ms(seconds: float) -> int:
    """Return a JWT time claim (`iat`, `auth_time`: Unix seconds, possibly with a millisecond fraction) in Unix ms.

    This is the one claims → query rule: `round(…, 3)` first, because the float `1.001 * 1000` is `1000.999…`
    and a plain floor would date the credential a millisecond early — before a cut-off it was minted after.
    """
    return math.floor(round(seconds * 1000, 3))


def seconds_datetime(seconds: float) -> datetime:
    """Return an instant given in Unix seconds (a token's `exp`) as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=UTC)
