"""Rotation's one rule (denylist.rotation): the first use mints, a reuse ends the login first, anything else is refused.

The rule over HTTP, with each record of use, is in tests/denylist/test_refresh_rotation.py (the JWT door) and
tests/denylist/test_dropin.py (the drop-in).
"""

import pytest

from denylist.rotation import REUSE, RefreshRefused, RefreshReused, Use, refresh_use_settle


def test_first_use_returns_and_ends_nothing():
    ended: list[str] = []

    assert refresh_use_settle(use=Use.FIRST, login_end=ended.append) is None
    assert ended == []


def test_reuse_ends_the_login_with_reason_reuse_before_raising():
    ended: list[str] = []

    with pytest.raises(RefreshReused):
        refresh_use_settle(use=Use.REUSED, login_end=ended.append)
    assert ended == [REUSE] == ["reuse"]


def test_a_login_that_cannot_be_ended_is_not_reported_as_ended():
    def login_end(reason: str) -> None:
        raise ConnectionError("store unreachable")

    # The caller's outage handling answers (503); never `token_reused` for a login still alive.
    with pytest.raises(ConnectionError):
        refresh_use_settle(use=Use.REUSED, login_end=login_end)


def test_refused_use_raises_and_ends_nothing():
    ended: list[str] = []

    with pytest.raises(RefreshRefused):
        refresh_use_settle(use=Use.REFUSED, login_end=ended.append)
    assert ended == []
