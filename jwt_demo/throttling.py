"""Refresh throttling: rotations per login (token family), so one client cannot write rows as fast as it can ask."""

from django.conf import settings

from accounts.throttling import FixedWindowThrottle, Throttled, parse_rate


class RefreshThrottled(Throttled):
    """Too many refreshes of one login in this window."""


class RefreshThrottle(FixedWindowThrottle):
    """Count refreshes per token family (`REFRESH_RATE`, DRF rate syntax).

    Keyed on the family of a token whose signature has been checked, so nobody can spend another login's
    budget without holding one of its tokens. A legitimate client refreshes once per access-token lifetime
    (minutes); every rotation writes a row, so a client looping on refresh is a write load, not a use.
    """

    refused = RefreshThrottled

    def hit(self, *, family: str) -> None:
        """Count one refresh of `family`; raise RefreshThrottled when the login is over its rate."""
        self.take([self.limit(f"refresh:family:{family}", parse_rate(settings.REFRESH_RATE))])


refresh_throttle = RefreshThrottle()
