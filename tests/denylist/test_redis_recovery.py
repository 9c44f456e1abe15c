"""Redis loses, rolls back or misses revocations, and comes back: no revoked credential may work again.

Each test runs against a private redis-server that it restarts, flushes, rolls back to an old snapshot or
freezes (SIGSTOP) by pid. Scenarios follow denylist/backends/redis.py: the database is the truth, the Redis
copy is trusted only under a lease, and a writer that cannot reach Redis waits one lease before it answers.
"""

import time
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.db import connection

from denylist import revocation
from denylist.backends.db import DatabaseRevocationBackend
from denylist.backends.redis import RedisRevocationBackend
from denylist.backends.redis_layout import LEASE_FIELD
from denylist.entries import Entry, Query
from denylist.models import Revocation
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.flows import another_worker, assert_refused, log_out_everywhere, refresh
from tests.support.suite import PASSWORD


def hash_key() -> str:
    return revocation.get_backend().key


def lease_expired(inspector) -> bool:
    lease = inspector.hget(hash_key(), LEASE_FIELD)
    return lease is None or int(lease) <= revocation.now_ms()


def wait_for_lease_to_run_out(inspector) -> None:
    deadline = time.monotonic() + 10
    while not lease_expired(inspector):
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.05)


@pytest.fixture
def recorded_waits(monkeypatch):
    """The writer's lease waits, really slept, and recorded."""
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(RedisRevocationBackend, "sleep", staticmethod(sleep))
    return waits


def lose_the_copy(server, how: str) -> None:
    inspector = server.client()
    if how == "restart":
        server.stop()
        server.start()
    elif how == "flushall":
        inspector.flushall()
    else:  # evicted: maxmemory with allkeys-* drops the whole hash key
        inspector.delete(hash_key())


@pytest.mark.parametrize("how", ["restart", "flushall", "evicted"])
def test_a_lost_copy_is_rebuilt_and_revoked_tokens_stay_refused(own_redis, user, other_user, how):
    door = JWTDoor(user.username, PASSWORD).login()
    bystander = JWTDoor(other_user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    log_out_everywhere(JWTDoor(user.username, PASSWORD).login())

    lose_the_copy(own_redis, how)
    another_worker()

    assert_refused(door, door.get("notes/"))
    assert refresh(door).status_code == HTTPStatus.UNAUTHORIZED
    assert bystander.get("notes/").status_code == HTTPStatus.OK
    inspector = own_redis.client()
    assert inspector.hexists(hash_key(), f"u:{user.pk}")
    assert not lease_expired(inspector)


def test_redis_back_from_an_old_snapshot_is_rebuilt(own_redis, settings, transactional_db, user):
    """A crash-restart from an older snapshot (or a failover to a lagging replica) keeps the hash and its lease
    field but loses later entries that the database records as synced: the next renewal must notice the new
    server and rebuild, not just push the unsynced rows."""
    settings.REVOCATION_LEASE_SECONDS = 1
    door = JWTDoor(user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    own_redis.save()
    log_out_everywhere(JWTDoor(user.username, PASSWORD).login())
    assert Revocation.objects.get(kind="u", key=str(user.pk)).synced is True
    assert_refused(door, door.get("notes/"))

    own_redis.crash()
    own_redis.start()
    inspector = own_redis.client()
    assert inspector.hexists(hash_key(), LEASE_FIELD)
    assert not inspector.hexists(hash_key(), f"u:{user.pk}")
    wait_for_lease_to_run_out(inspector)
    another_worker()

    assert_refused(door, door.get("notes/"))
    assert inspector.hexists(hash_key(), f"u:{user.pk}")
    assert_refused(door, door.get("profile/"))


def test_a_flush_during_a_rebuild_never_yields_a_trusted_partial_copy(own_redis, user):
    door = JWTDoor(user.username, PASSWORD).login()
    log_out_everywhere(JWTDoor(user.username, PASSWORD).login())
    inspector = own_redis.client()
    inspector.delete(hash_key())
    client = revocation.get_backend().client
    original = client.execute_command
    flushed = []

    def flush_before_the_lease(*args, **options):
        # The rebuild's last step (script mode "warm", the first argument after the key) grants the lease; a
        # FLUSHALL lands just before it.
        if args[0] in ("EVALSHA", "EVAL") and args[4:5] == ("warm",) and not flushed:
            flushed.append(True)
            inspector.flushall()
        return original(*args, **options)

    client.execute_command = flush_before_the_lease
    try:
        assert_refused(door, door.get("notes/"))  # cold: the database answers, the rebuild is sabotaged
    finally:
        del client.execute_command

    assert flushed == [True]
    assert not inspector.hexists(hash_key(), LEASE_FIELD)
    assert_refused(door, door.get("notes/"))
    assert inspector.hexists(hash_key(), f"u:{user.pk}")
    assert not lease_expired(inspector)


def test_a_revocation_made_while_redis_hangs_is_refused_when_redis_returns_with_old_data(
        own_redis, settings, transactional_db, user, other_user, recorded_waits):
    settings.REVOCATION_LEASE_SECONDS = 1
    door = JWTDoor(user.username, PASSWORD).login()
    bystander = JWTDoor(other_user.username, PASSWORD).login()
    other_device = JWTDoor(user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK  # this worker holds a lease without the revocation

    own_redis.pause()
    log_out_everywhere(other_device)
    # Redis missed the entry: the writer waited out every lease granted without it before acknowledging.
    assert recorded_waits == [settings.REVOCATION_LEASE_SECONDS + 1]
    own_redis.resume()

    inspector = own_redis.client()
    assert not inspector.hexists(hash_key(), f"u:{user.pk}")  # old data: the entry is missing ...
    assert lease_expired(inspector)  # ... and the lease that vouched for it has run out
    another_worker()

    assert_refused(door, door.get("notes/"))
    assert refresh(door).status_code == HTTPStatus.UNAUTHORIZED
    assert bystander.get("notes/").status_code == HTTPStatus.OK
    assert inspector.hexists(hash_key(), f"u:{user.pk}")  # the renewal pushed it
    assert Revocation.objects.get(kind="u", key=str(user.pk)).synced is True


def test_a_session_ended_while_redis_hangs_stays_ended_when_redis_returns(
        own_redis, settings, transactional_db, user, recorded_waits):
    settings.REVOCATION_LEASE_SECONDS = 1
    browser = SessionDoor(user.username, PASSWORD).login()
    assert browser.get("notes/").status_code == HTTPStatus.OK
    cached_copy = "sess:" + browser.session_key
    assert caches["default"].get(cached_copy) is not None
    api = JWTDoor(user.username, PASSWORD).login()

    own_redis.pause()
    log_out_everywhere(api)
    assert recorded_waits == [settings.REVOCATION_LEASE_SECONDS + 1]
    own_redis.resume()
    another_worker()

    assert caches["default"].get(cached_copy) is not None  # Redis came back with the ended session's copy
    assert_refused(browser, browser.get("notes/"))
    assert_refused(browser, browser.get("profile/"))


def test_a_cutoff_raised_while_a_renewal_runs_reaches_redis(own_redis, user, django_assert_num_queries):
    """A renewal reads the unsynced rows, pushes them and marks them synced. A writer that raises a cut-off in
    between (its own push failed) must not have its newer cut-off marked synced with the older value pushed."""
    backend = revocation.get_backend()
    inspector = own_redis.client()
    first = revocation.now_ms() - 60_000
    newer = first + 30_000
    expires = datetime.now(tz=UTC) + timedelta(days=1)
    DatabaseRevocationBackend().revoke([Entry("u", str(user.pk), expires, user.pk, first)], synced=False)
    backend.is_revoked(Query(jti="0" * 32))  # cold: rebuilds, grants a lease
    inspector.hset(hash_key(), LEASE_FIELD, 1)  # ... which runs out
    raised = []

    def raise_the_cutoff_meanwhile(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not raised and "synced" in sql and sql.lstrip().upper().startswith("SELECT"):
            raised.append(True)
            DatabaseRevocationBackend().revoke([Entry("u", str(user.pk), expires, user.pk, newer)], synced=False)
        return result

    DatabaseRevocationBackend().revoke([Entry("j", "1" * 32, expires)], synced=False)  # gives the renewal work
    with connection.execute_wrapper(raise_the_cutoff_meanwhile):
        backend.is_revoked(Query(jti="2" * 32))
    assert raised == [True]
    inspector.hset(hash_key(), LEASE_FIELD, 1)
    backend.is_revoked(Query(jti="3" * 32))  # the next renewal

    with django_assert_num_queries(0):
        assert backend.is_revoked(Query(user_id=user.pk, issued_at_ms=newer - 1)) is True


def test_an_older_push_acknowledged_late_never_marks_a_newer_cutoff_synced(
        own_redis, user, django_capture_on_commit_callbacks, django_assert_num_queries):
    """Writer A pushes cut-off c1 and commits; writer B raises it to c2 but cannot reach Redis; A's commit hook
    then confirms c1. The row (now c2) must stay unsynced so that the next renewal pushes c2."""
    backend = revocation.get_backend()
    inspector = own_redis.client()
    backend.is_revoked(Query(jti="0" * 32))
    first = revocation.now_ms() - 60_000
    newer = first + 30_000
    expires = datetime.now(tz=UTC) + timedelta(days=1)

    with django_capture_on_commit_callbacks() as writer_a_commit:
        backend.revoke([Entry("u", str(user.pk), expires, user.pk, first)])
    DatabaseRevocationBackend().revoke([Entry("u", str(user.pk), expires, user.pk, newer)], synced=False)  # B
    for callback in writer_a_commit:
        callback()

    assert Revocation.objects.get(kind="u", key=str(user.pk)).synced is False
    inspector.hset(hash_key(), LEASE_FIELD, 1)
    backend.is_revoked(Query(jti="3" * 32))  # the next renewal
    with django_assert_num_queries(0):
        assert backend.is_revoked(Query(user_id=user.pk, issued_at_ms=newer - 1)) is True
