"""denylist.clock: the one time vocabulary — exact conversions between Unix ms, claims and datetimes."""

from datetime import UTC, datetime, timedelta

import pytest

from denylist import clock


@pytest.mark.parametrize("ms", [0, 1, 999, 1000, 1001, 1_733_400_000_001, 1_733_400_000_999, 4_102_444_800_123])
def test_ms_and_datetime_round_trip_exactly(ms):
    at = clock.ms_datetime(ms)
    assert at == datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)
    assert clock.datetime_ms(at) == ms
    assert clock.claim_ms(clock.ms_seconds(ms)) == ms


def test_a_claim_of_one_point_zero_zero_one_seconds_is_1001_ms():
    # 1.001 * 1000 is 1000.9999999999999 in floating point: a plain floor dates the credential a ms early.
    assert 1.001 * 1000 < 1001
    assert clock.claim_ms(1.001) == 1001


def test_a_datetime_drops_its_sub_millisecond_fraction():
    assert clock.datetime_ms(datetime(1970, 1, 1, 0, 0, 1, 1999, tzinfo=UTC)) == 1001


def test_now_ms_is_unix_milliseconds():
    before = datetime.now(tz=UTC)
    now = clock.now_ms()
    assert clock.datetime_ms(before) <= now <= clock.datetime_ms(datetime.now(tz=UTC))
