"""The lease wait of revocations Redis missed: once per transaction, once per batch, always after the last commit.

Redis is stopped (a private redis-server, by pid), so every revocation is recorded unsynced and must wait out the
leases before it is acknowledged (denylist/backends/redis.py). The sleeps are recorded, not slept.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from denylist import revocation, waits
from denylist.backends.redis import RedisRevocationBackend
from denylist.models import Revocation

pytestmark = pytest.mark.usefixtures("transactional_db")

WAIT = 3  # REVOCATION_LEASE_SECONDS + 1


@pytest.fixture
def waited(own_redis, settings, monkeypatch):
    """Redis stopped; the list of lease waits taken, in order (each as the number of rows committed by then)."""
    settings.REVOCATION_LEASE_SECONDS = WAIT - 1
    taken = []
    monkeypatch.setattr(RedisRevocationBackend, "sleep",
                        staticmethod(lambda seconds: taken.append((seconds, Revocation.objects.count()))))
    own_redis.stop()
    return taken


def revoke(n: int) -> None:
    revocation.revoke_token(jti=f"{n:032x}", expires_at=(datetime.now(tz=UTC) + timedelta(hours=1)).timestamp())


def test_one_transaction_waits_once(waited):
    with transaction.atomic():
        revoke(1)
        revoke(2)
    assert waited == [(WAIT, 2)]


def test_separate_transactions_outside_a_batch_wait_each(waited):
    """A wait that ended before the second revocation was written covers nothing of it: a lease may have been
    granted in between. This is what a batch is for."""
    revoke(1)
    revoke(2)
    assert waited == [(WAIT, 1), (WAIT, 2)]


def test_a_batch_waits_once_after_its_last_commit(waited):
    with revocation.batch():
        revoke(1)
        with transaction.atomic():
            revoke(2)
            revoke(3)
        revoke(4)
        assert waited == []
    assert waited == [(WAIT, 4)]


def test_nested_batches_wait_at_the_end_of_the_outermost(waited):
    with waits.batch():
        with waits.batch():
            revoke(1)
        assert waited == []
        revoke(2)
    assert waited == [(WAIT, 2)]


def test_a_batch_waits_even_when_its_block_raises(waited):
    with pytest.raises(ZeroDivisionError), waits.batch():
        revoke(1)
        1 / 0  # noqa: B018 - the block fails after a revocation committed
    assert waited == [(WAIT, 1)]
    assert not waits.in_batch()


def test_a_batch_inside_an_open_transaction_leaves_the_wait_to_the_commit(waited):
    """Nothing commits inside such a batch: its end has nothing to wait for, and the commit waits as usual."""
    with transaction.atomic():
        with waits.batch():
            revoke(1)
        assert waited == []
    assert waited == [(WAIT, 1)]


def test_a_batch_without_a_missed_revocation_does_not_wait(own_redis, settings, monkeypatch):
    taken = []
    monkeypatch.setattr(RedisRevocationBackend, "sleep", staticmethod(taken.append))
    with revocation.batch():
        revoke(1)
        revoke(2)
    assert taken == []
    assert list(Revocation.objects.values_list("synced", flat=True)) == [True, True]
