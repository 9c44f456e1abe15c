"""Lease waits: when a revocation that a cache missed may be acknowledged, and a batch that waits only once.

A backend whose readers trust a cached copy under a lease (denylist.backends.redis) cannot tell those readers
that a revocation it failed to copy makes their copy stale. It acknowledges such a revocation only after every
lease granted without it has run out: it waits one lease period after the revocation's commit.

One wait covers every revocation committed before it began — but only those. A request that revokes in two
transactions (a logout, then the session flush; one login ended after another) would wait after each, since a
lease may be granted between the first wait and the second commit. `batch()` defers the waits of the
revocations committed inside it to its end: one wait, begun after every commit in the batch, covers them all,
and the caller acknowledges (sends its response) only after the block — so nothing acknowledged is lost.
`denylist.middleware.RevocationBatchMiddleware` makes every request one batch.

State is per thread (per context under ASGI): on-commit callbacks run in the thread that commits.
"""

import contextlib
from collections.abc import Callable, Iterator

from asgiref.local import Local

_state = Local()


def _pending() -> tuple[float, Callable[[float], None]] | None:
    return getattr(_state, "pending", None)


def in_batch() -> bool:
    """Tell whether this thread is inside `batch()`."""
    return getattr(_state, "depth", 0) > 0


def defer(seconds: float, *, sleep: Callable[[float], None]) -> bool:
    """Inside a batch, record a wait of `seconds` for its end (the longest one asked for wins) and return True;
    outside one, return False: the caller waits now. Call only after the revocation being waited for committed.
    """
    if not in_batch():
        return False
    pending = _pending()
    if pending is None or seconds > pending[0]:
        _state.pending = (seconds, sleep)
    return True


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Acknowledge the revocations committed inside this block together: wait out the leases once, at its end.

    Reentrant: only the outermost block waits. It waits even when the block raises — what committed must not be
    reported to anyone before the wait, and an error response is a response too. Revocations whose transaction
    is still open when the block ends (a batch inside `transaction.atomic()`) wait at their own commit, as
    outside any batch.
    """
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0:
            pending, _state.pending = _pending(), None
            if pending is not None:
                seconds, sleep = pending
                sleep(seconds)
