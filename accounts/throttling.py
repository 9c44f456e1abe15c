"""Throttling shared by both doors: fixed-window counters in the cache, taken and given back atomically under load."""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from httpkit.network import address_block
from httpkit.outages import BackendUnavailable
from httpkit.refusals import TooManyAttempts

_LOCAL_LOCK = threading.Lock()
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# Give one slot back to every counter that still exists. A counter whose window has ended has expired: DECR
# would recreate it at -1 (without a TTL), so it is left alone — there is nothing left to give back to.
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
return 0
"""


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(rate: str) -> Rate:
    """Parse DRF rate syntax (`10/min`, `100/hour`, `5/s`): as in DRF, the period's first letter is its unit."""
    count, _, period = rate.partition("/")
    return Rate(int(count), _PERIODS[period.strip().lower()[:1]])


class Throttled(TooManyAttempts):
    """A counter is over its rate; `wait` is the seconds until its window ends (the `Retry-After`)."""


class LoginThrottled(Throttled):
    """Too many failed password checks for this account or from this address."""

    default_detail = "Too many login attempts."


class OldPasswordThrottled(LoginThrottled):
    """A logged-in user's old password was checked once too often: the login throttle, in a password change's words."""

    default_detail = "Too many password attempts."


@dataclass(frozen=True)
class Limit:
    """One counter of an attempt: its cache key (the window included) and the rate it is held to."""

    key: str
    rate: Rate


@dataclass(frozen=True)
class Reservation:
    """The slots one attempt took; give them back (FixedWindowThrottle.give_back) when the attempt must not count."""

    keys: tuple[str, ...]


class FixedWindowThrottle:
    """Count attempts per fixed window with atomic increments; subclasses say which counters an attempt takes.

    `take()` adds one to every counter of the attempt *before* the guarded work runs, so N concurrent attempts
    can never all slip under the limit (a read-then-write counter can). A refused attempt gives its slots back
    at once: it did no work, so it must not eat the budget of a counter that did not refuse it. Class
    attributes `cache` and `timer` are configuration and test seams.
    """

    cache = cache
    timer = staticmethod(time.time)
    refused = Throttled

    def limit(self, name: str, rate: Rate) -> Limit:
        """Return the counter `name` of the window the clock is in now."""
        return Limit(f"{name}:{int(self.timer()) // rate.seconds}", rate)

    def take(self, limits: list[Limit]) -> Reservation:
        """Take one slot in every counter; raise `refused` (giving them back) when one is over its rate."""
        now = int(self.timer())
        reservation = Reservation(tuple(limit.key for limit in limits))
        counts = self._increment_all(limits)
        over = [limit for limit, count in zip(limits, counts, strict=True) if count > limit.rate.count]
        if over:
            self.give_back(reservation)
            raise self.refused(wait=max(self._wait(limit.rate, now) for limit in over))
        return reservation

    def give_back(self, reservation: Reservation) -> None:
        """Return the slots of an attempt that must not count, in one atomic step."""
        client = self._redis_client()
        if client is None:
            with _LOCAL_LOCK:
                for key in reservation.keys:
                    try:
                        self.cache.decr(key)
                    except ValueError:
                        continue  # the window ended and the counter expired: nothing to give back to
            return
        client.eval(_GIVE_BACK, len(reservation.keys), *(self.cache.make_key(key) for key in reservation.keys))

    @staticmethod
    def _wait(rate: Rate, now: int) -> int:
        return max(1, rate.seconds - now % rate.seconds)

    def _increment_all(self, limits: list[Limit]) -> list[int]:
        """Add one to every counter in a single atomic step; return the new counts, in order.

        One step, not one per counter: if the account and the address counters were incremented separately,
        two concurrent attempts could each see the other ahead on one counter (3 and 7, then 7 and 3) and both
        be refused, so fewer than `rate.count` attempts would pass. On Redis the increments run in one
        MULTI/EXEC transaction; a per-process cache (locmem) takes a process lock.
        """
        client = self._redis_client()
        if client is None:
            with _LOCAL_LOCK:
                return [self._increment(limit.key, limit.rate.seconds + 1) for limit in limits]
        with client.pipeline(transaction=True) as pipe:
            for limit in limits:
                name = self.cache.make_key(limit.key)
                pipe.incr(name)
                pipe.expire(name, limit.rate.seconds + 1)
            return [int(count) for count in pipe.execute()[0::2]]

    def _redis_client(self):
        """Return the raw Redis client behind the cache, or None for a cache that is not django-redis."""
        backend_client = getattr(self.cache, "client", None)
        get_client = getattr(backend_client, "get_client", None)
        return get_client(write=True) if get_client is not None else None

    def _increment(self, key: str, timeout: int) -> int:
        """Atomically add one to `key`, creating it at 0 first; return the new count.

        If the key expires between `add` and `incr`, add it again rather than `set` it to 1: two workers that
        both saw it expire would each write 1 and lose an attempt.
        """
        for _attempt in range(3):
            self.cache.add(key, 0, timeout=timeout)
            try:
                return self.cache.incr(key)
            except ValueError:
                continue
        # A cache that evicts a key three times in a row is not keeping counts: refuse to go on blind (503).
        raise BackendUnavailable("redis")


class LoginThrottle(FixedWindowThrottle):
    """Count failed password checks per account (`LOGIN_RATE`) and per client address (`LOGIN_ADDRESS_RATE`).

    The account counter stops guessing one password from many addresses; the address counter (an IPv6 /64 is
    one address, see httpkit.network.address_block) stops spraying many accounts from one address. The
    address is the one httpkit.network.client_ip trusts: a client-written X-Forwarded-For never chooses the
    counter (OWASP Authentication Cheat Sheet, "Login Throttling").

    Only failures count. A check takes its slots before the password is hashed (`reserve`) and a successful
    one gives them back (`give_back`): a room of people behind one NAT address can all log in, while N
    concurrent wrong passwords still cannot all slip under the limit. A burst of more than the limit of
    simultaneous checks may refuse a correct password for the milliseconds the others are in flight.
    The username is keyed through an HMAC so the cache never holds what was typed.
    """

    refused = LoginThrottled

    def reserve(self, *, username: str, ip: str | None) -> Reservation:
        """Take one slot per counter for a password check about to run; raise LoginThrottled when one is full."""
        account = salted_hmac("login-throttle", username.strip().lower()).hexdigest()[:32]
        return self.take([
            self.limit(f"login:acct:{account}", parse_rate(settings.LOGIN_RATE)),
            self.limit(f"login:ip:{address_block(ip)}", parse_rate(settings.LOGIN_ADDRESS_RATE)),
        ])


login_throttle = LoginThrottle()
