"""Login throttling shared by both doors: keyed on the account and on the client address, atomic under load."""

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from accounts.network import address_block
from config.outages import BackendUnavailable

_LOCAL_LOCK = threading.Lock()
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(rate: str) -> Rate:
    """Parse DRF rate syntax (`10/min`, `100/hour`, `5/s`): as in DRF, the period's first letter is its unit."""
    count, _, period = rate.partition("/")
    return Rate(int(count), _PERIODS[period.strip().lower()[:1]])


class LoginThrottled(Exception):
    """Too many login attempts for this account or this address; `wait` is the seconds until the window ends."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


class LoginThrottle:
    """Count login attempts per fixed window with the cache's atomic increment.

    Two counters: one per account (stops guessing one password from many addresses) and one per client address
    block (stops spraying many accounts from one address; an IPv6 /64 counts as one address, see
    accounts.network.address_block). The address is the one accounts.network.client_ip trusts: a client-written
    X-Forwarded-For never chooses the counter (OWASP Authentication Cheat Sheet, "Login Throttling"). Each
    attempt increments both before the password is checked, so N concurrent attempts can never all slip under
    the limit (a read-then-write counter can).
    The username is keyed through an HMAC so the cache never holds what was typed.
    """

    cache = cache
    timer = staticmethod(time.time)

    def rate(self) -> Rate:
        return parse_rate(settings.LOGIN_RATE)

    def _keys(self, username: str, ip: str | None) -> list[str]:
        window = int(self.timer()) // self.rate().seconds
        account = salted_hmac("login-throttle", username.strip().lower()).hexdigest()[:32]
        return [f"login:acct:{account}:{window}", f"login:ip:{address_block(ip)}:{window}"]

    def hit(self, *, username: str, ip: str | None) -> None:
        """Record one attempt; raise LoginThrottled when either counter is over the rate."""
        rate = self.rate()
        counts = self._increment_all(self._keys(username, ip), rate.seconds + 1)
        if any(count > rate.count for count in counts):
            raise LoginThrottled(wait=self.wait())

    def _increment_all(self, keys: list[str], timeout: int) -> list[int]:
        """Add one to every counter in a single atomic step; return the new counts, in order.

        One step, not one per counter: if the account and the address counters were incremented separately,
        two concurrent attempts could each see the other ahead on one counter (3 and 7, then 7 and 3) and both
        be refused, so fewer than `rate.count` attempts would pass. On Redis the increments run in one
        MULTI/EXEC transaction; a per-process cache (locmem) takes a process lock.
        """
        client = self._redis_client()
        if client is None:
            with _LOCAL_LOCK:
                return [self._increment(key, timeout) for key in keys]
        with client.pipeline(transaction=True) as pipe:
            for key in keys:
                name = self.cache.make_key(key)
                pipe.incr(name)
                pipe.expire(name, timeout)
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
        # A cache that evicts a key three times in a row is not keeping counts: refuse to log in blind (503).
        raise BackendUnavailable("redis")

    def wait(self) -> int:
        seconds = self.rate().seconds
        return max(1, seconds - int(self.timer()) % seconds)


login_throttle = LoginThrottle()
