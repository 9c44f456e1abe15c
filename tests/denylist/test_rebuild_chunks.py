"""A lost Redis copy is rebuilt in chunks, one per check, so no request stalls for the whole rebuild.

Every check made while the copy holds no lease answers from the database (so nothing revoked is ever let
through), and copies the next `rebuild_chunk` rows; the check that copies the last chunk grants the lease. A
flush in the middle starts the rebuild over; a row that changed behind the cursor and could not be pushed by its
writer (unsynced) is in the finished copy.
"""

from datetime import UTC, datetime, timedelta

import pytest

from denylist import revocation
from denylist.backends.db import DatabaseRevocationBackend
from denylist.backends.redis import RedisRevocationBackend
from denylist.backends.redis_layout import LEASE_FIELD, WARMING_FIELD
from denylist.entries import Entry, Query
from denylist.models import Revocation
from tests.support.fixtures import own_redis_caches

pytestmark = pytest.mark.django_db
CHUNK = 3
ROWS = 10  # four chunks: 3 + 3 + 3 + 1


@pytest.fixture
def chunked(own_redis, settings, monkeypatch):
    # A generous socket timeout: on a loaded machine a 0.5 s timeout trips the circuit breaker, and the next check
    # then rightly skips Redis (a behaviour of its own, tested in test_redis_outages), which is not this test's.
    settings.CACHES = own_redis_caches(own_redis, socket_timeout=10)
    monkeypatch.setattr(RedisRevocationBackend, "rebuild_chunk", CHUNK)
    expires = datetime.now(tz=UTC) + timedelta(days=1)
    DatabaseRevocationBackend().revoke([Entry("j", f"jti-{n:02d}", expires) for n in range(ROWS)])
    backend = revocation.get_backend()
    return backend, own_redis.client()


def copied(inspector, key: str) -> set[str]:
    return {f.decode() for f in inspector.hkeys(key) if not f.startswith(b"!")}


def test_each_check_copies_one_chunk_and_the_last_grants_the_lease(chunked, django_assert_num_queries):
    backend, inspector = chunked
    seen = []
    for _ in range(ROWS // CHUNK):
        assert backend.is_revoked(Query(jti="jti-09")) is True  # answered by the database, every time
        assert not inspector.hexists(backend.key, LEASE_FIELD)
        seen.append(len(copied(inspector, backend.key)))
    assert seen == [3, 6, 9]
    assert backend.is_revoked(Query(jti="jti-00")) is True  # the last chunk, and the unsynced rows
    assert copied(inspector, backend.key) == {f"j:jti-{n:02d}" for n in range(ROWS)}
    assert not inspector.hexists(backend.key, WARMING_FIELD)

    with django_assert_num_queries(0):  # leased: Redis answers alone
        assert backend.is_revoked(Query(jti="jti-05")) is True
        assert backend.is_revoked(Query(jti="never-revoked")) is False


def test_a_flush_in_the_middle_starts_the_rebuild_over(chunked):
    backend, inspector = chunked
    backend.is_revoked(Query(jti="x"))
    backend.is_revoked(Query(jti="x"))
    assert len(copied(inspector, backend.key)) == 6
    inspector.delete(backend.key)  # the mark goes with the hash
    backend.is_revoked(Query(jti="x"))
    assert inspector.hget(backend.key, WARMING_FIELD).endswith(b":" + str(
        Revocation.objects.order_by("pk").values_list("pk", flat=True)[CHUNK - 1]).encode())
    for _ in range(ROWS // CHUNK):
        backend.is_revoked(Query(jti="x"))
    assert inspector.hexists(backend.key, LEASE_FIELD)
    assert len(copied(inspector, backend.key)) == ROWS


def test_a_row_changed_behind_the_cursor_without_a_push_is_in_the_finished_copy(chunked, user):
    backend, inspector = chunked
    expires = datetime.now(tz=UTC) + timedelta(days=1)
    cutoff = revocation.now_ms()
    backend.is_revoked(Query(jti="x"))
    # A user cut-off lands behind the cursor's back... (its writer could not reach Redis: unsynced)
    DatabaseRevocationBackend().revoke([Entry("u", str(user.pk), expires, user.pk, cutoff)], synced=False)
    Revocation.objects.filter(kind="u").update(id=0)  # ...and behind the cursor, as an out-of-order commit is
    for _ in range(ROWS // CHUNK):
        backend.is_revoked(Query(jti="x"))
    assert inspector.hexists(backend.key, LEASE_FIELD)
    assert inspector.hexists(backend.key, f"u:{user.pk}")
    assert Revocation.objects.get(kind="u").synced is True
    assert backend.is_revoked(Query(user_id=user.pk, issued_at_ms=cutoff - 1)) is True


def test_one_script_call_merges_every_field_forward_even_one_given_twice(chunked):
    """The write script reads its fields with one HMGET and writes them with one HSET: a value never moves back,
    whether the newer one is already stored or comes earlier in the same call."""
    backend, inspector = chunked
    inspector.hset(backend.key, mapping={"u:7": "2000:900", "j:old": "500"})
    backend._write_many(["u:7", "1000:950", "j:old", "400", "j:new", "300", "j:new", "200", "u:8", "5:6"])
    assert inspector.hmget(backend.key, ["u:7", "j:old", "j:new", "u:8"]) == [b"2000:950", b"500", b"300", b"5:6"]
