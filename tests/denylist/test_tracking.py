"""The client-side caching experiment (denylist.backends.tracking): a check skips its round trip only while Redis
has said nothing changed, and a revocation is refused at once on another process — 10⁴ times in a row, and after
a flush, a restart, and with the invalidation connection cut.

Process B is a real second process (`tests.support.tracked_checker`) on the test database and a private Redis;
process A (this test) revokes with the store's own `revoke()`. Before each revocation B has checked the same token
id and remembered "not revoked": the revocation must end that memory before B's next check, with no pause between.
"""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection

from denylist import conf
from denylist.backends.db import DatabaseRevocationBackend
from denylist.backends.redis import RedisRevocationBackend
from denylist.backends.redis_layout import LEASE_FIELD
from denylist.backends.tracking import CONNECTION_NAME, TrackedRedisRevocationBackend
from denylist.entries import Entry, Query
from tests.support.fixtures import own_redis_caches

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]
RACES = 10_000
EXPIRES = timedelta(hours=1)


def entry(jti: str) -> Entry:
    return Entry("j", jti, datetime.now(tz=UTC) + EXPIRES)


@pytest.fixture
def tracked(own_redis, settings):
    settings.CACHES = own_redis_caches(own_redis, socket_timeout=10)
    settings.REVOCATION_BACKEND = "denylist.backends.tracking.TrackedRedisRevocationBackend"
    backend = TrackedRedisRevocationBackend()
    yield backend
    backend.invalidations.close()


def test_a_repeated_check_is_answered_from_memory_without_a_query_or_a_read(tracked, django_assert_num_queries):
    assert tracked.is_revoked(Query(jti="a")) is False  # cold: the database answers and the copy is rebuilt
    assert tracked.is_revoked(Query(jti="a")) is False  # leased: one HMGET, remembered
    assert (tracked.local_hits, tracked.redis_reads) == (0, 2)
    with django_assert_num_queries(0):
        for _ in range(5):
            assert tracked.is_revoked(Query(jti="a")) is False
    assert (tracked.local_hits, tracked.redis_reads) == (5, 2)
    assert tracked.is_revoked(Query(jti="b")) is False  # another credential's fields were never read: Redis
    assert tracked.redis_reads == 3


def test_a_revocation_through_another_client_ends_what_was_remembered(tracked, own_redis):
    tracked.is_revoked(Query(jti="x"))
    assert tracked.is_revoked(Query(jti="x")) is False
    writer = RedisRevocationBackend(client=own_redis.client(), key=tracked.key)
    writer.revoke([entry("x")])  # not this backend's own write: only Redis's invalidation can tell it
    assert tracked.is_revoked(Query(jti="x")) is True
    assert tracked.invalidations.invalidations >= 1


def test_an_expired_lease_is_never_answered_from_memory(tracked, own_redis):
    tracked.is_revoked(Query(jti="y"))
    tracked.is_revoked(Query(jti="y"))
    DatabaseRevocationBackend().revoke([entry("y")], synced=False)  # a writer that could not reach Redis
    later = tracked.clock() + settings.REVOCATION_LEASE_SECONDS * 1000 + 1
    tracked.clock = lambda: later  # the lease that vouched for the remembered values has run out
    assert tracked.is_revoked(Query(jti="y")) is True


@pytest.fixture
def process_b(own_redis, settings, tmp_path):
    """Process B, checking with the tracked backend; yields `check(jti) -> (revoked, where)`."""
    settings.CACHES = own_redis_caches(own_redis, socket_timeout=10)
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "DEBUG": "0",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}",
           "REDIS_URL": own_redis.url}
    process = subprocess.Popen([sys.executable, "-m", "tests.support.tracked_checker"], cwd=settings.BASE_DIR,
                               env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def check(jti: str) -> tuple[bool, str]:
        process.stdin.write(jti + "\n")
        revoked, where = process.stdout.readline().split()
        return revoked == "1", where

    try:
        yield check
    finally:
        process.stdin.close()
        process.wait(timeout=10)


@pytest.fixture
def writer(own_redis, postgres_required):
    """Process A's store: the Redis backend every writer uses, on the same copy as process B."""
    return RedisRevocationBackend(client=own_redis.client(timeout=10), key=conf.setting("REVOCATION_REDIS_KEY"))


def remembered(check, jti: str) -> None:
    """Have B check `jti` until it answers from memory ("not revoked"), as a busy worker would have."""
    for _ in range(5):
        revoked, where = check(jti)
        assert revoked is False
        if where == "local":
            return
    raise AssertionError(f"process B never answered {jti} from memory")


@pytest.mark.slow
def test_revoked_on_one_process_refused_at_once_on_another_ten_thousand_times(process_b, writer):
    accepted, from_memory = [], 0
    for n in range(RACES):
        jti = f"race-{n}"
        assert process_b(jti) == (False, "redis")  # never read before: B reads Redis and remembers "not revoked"
        revoked, where = process_b(jti)  # from memory (or Redis again, when the lease just moved)
        assert revoked is False
        from_memory += where == "local"
        writer.revoke([entry(jti)])  # acknowledged: in the database and in Redis
        revoked, _where = process_b(jti)  # at once, on the other process
        if not revoked:
            accepted.append(jti)
    assert accepted == []
    assert from_memory > RACES // 2  # B really answered from memory: the race was run, not skipped


def test_a_flush_is_never_answered_from_memory(process_b, writer, own_redis):
    remembered(process_b, "flushed")
    own_redis.client().flushall()  # the copy is gone: Redis tells every tracking connection to forget all
    DatabaseRevocationBackend().revoke([entry("flushed")], synced=False)  # and a writer that missed Redis
    assert process_b("flushed") == (True, "redis")


def test_a_cut_invalidation_connection_is_never_trusted(process_b, writer, own_redis):
    remembered(process_b, "cut")
    inspector = own_redis.client()
    ids = [c["id"] for c in inspector.client_list() if c["name"] == CONNECTION_NAME]
    assert len(ids) == 1
    inspector.client_kill_filter(_id=ids[0])  # B's invalidations can no longer reach it...
    writer.revoke([entry("cut")])  # ...and this one would have been its only news
    assert process_b("cut") == (True, "redis")
    remembered(process_b, "cut-later")  # B tracks again on a new connection, and remembers again
    writer.revoke([entry("cut-later")])
    assert process_b("cut-later")[0] is True


def test_a_redis_restart_is_never_answered_from_memory(process_b, writer, own_redis):
    remembered(process_b, "restart")
    own_redis.crash()
    own_redis.start()  # empty: no persistence
    writer.revoke([entry("restart")])
    assert process_b("restart")[0] is True
    assert own_redis.client().hexists(conf.setting("REVOCATION_REDIS_KEY"), LEASE_FIELD)  # the copy came back, leased
