"""Refresh throttling: rotations per login (token family), so one client cannot write rows as fast as it can ask."""

import logging
import time

from django.conf import settings
from redis.exceptions import RedisError

from accounts.throttling import FixedWindowThrottle, Throttled, parse_rate
from httpkit.outages import BackendUnavailable

logger = logging.getLogger("tokenlab.throttle")


class RefreshThrottled(Throttled):
    """Too many refreshes of one login in this window."""

    default_detail = "Too many refreshes of this login."


class RefreshThrottle(FixedWindowThrottle):
    """Count refreshes per token family (`REFRESH_RATE`, DRF rate syntax).

    Keyed on the family of a token whose signature has been checked, so nobody can spend another login's
    budget without holding one of its tokens. A legitimate client refreshes once per access-token lifetime
    (minutes); every rotation writes a row, so a client looping on refresh is a write load, not a use.
    """

    refused = RefreshThrottled
    _warned_at = 0.0

    def hit(self, *, family: str) -> None:
        """Count one refresh of `family`; raise RefreshThrottled when the login is over its rate.

        When the shared counter cannot be reached (Redis down), the refresh goes on uncounted: this limit bounds
        write load, it guards no secret, and refresh — where revocation is checked, against the database when
        Redis cannot vouch — must stay available through a Redis outage. (The login throttle, which stops
        password guessing, refuses instead.)
        """
        try:
            self.take([self.limit(f"refresh:family:{family}", parse_rate(settings.REFRESH_RATE))])
        except (RedisError, BackendUnavailable) as exc:
            if time.monotonic() - RefreshThrottle._warned_at > 60:
                RefreshThrottle._warned_at = time.monotonic()
                logger.warning("Refresh throttle cannot count (%s); refreshes go on uncounted.", exc)


refresh_throttle = RefreshThrottle()
