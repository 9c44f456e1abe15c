"""The RevocationBackend contract (denylist/backends/base.py), run against every backend.

Backends: the database backend; the Redis backend on the configured Redis server (REDIS_URL); the Redis backend
on a private redis-server. The Redis backends are warmed before each check, so that their answers come from
Redis (zero database queries), not from their database fallback.
"""

import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from denylist import revocation
from denylist.backends.db import DatabaseRevocationBackend
from denylist.backends.redis import RedisRevocationBackend
from denylist.backends.redis_layout import LEASE_FIELD
from denylist.entries import Entry, Query
from denylist.models import Revocation

J, F, U, S = Revocation.Kind.TOKEN, Revocation.Kind.FAMILY, Revocation.Kind.USER, Revocation.Kind.SESSION


def hex32() -> str:
    return uuid.uuid4().hex


def later(seconds: int = 3600) -> datetime:
    return datetime.now(tz=UTC) + timedelta(seconds=seconds)


class Harness:
    """One backend under test, with what the test needs to know about it."""

    def __init__(self, backend, *, redis_client=None):
        self.backend = backend
        self.redis = redis_client
        # A warm Redis backend answers from Redis alone; the database backend needs its one query.
        self.check_queries = 0 if redis_client is not None else 1

    def revoke(self, *entries: Entry, capture_on_commit) -> None:
        with capture_on_commit(execute=True):
            self.backend.revoke(list(entries))

    def warm(self) -> None:
        """Make the Redis copy trusted (a cold check asks the database and rebuilds it)."""
        if self.redis is not None:
            self.backend.is_revoked(Query(jti=hex32()))
            assert self.redis.hexists(self.backend.key, LEASE_FIELD)

    def hash_fields(self) -> set[str]:
        return {f.decode() for f in self.redis.hkeys(self.backend.key)}


@pytest.fixture(params=["database", "redis-configured", "redis-private"])
def harness(request, db):
    if request.param == "database":
        yield Harness(DatabaseRevocationBackend())
        return
    if request.param == "redis-configured":
        request.getfixturevalue("redis_required")
        from django_redis import get_redis_connection

        client = get_redis_connection("default")
    else:
        client = request.getfixturevalue("redis_server").client(timeout=0.5)
    key = f"tokenlab:test-revocations:{hex32()}"
    yield Harness(RedisRevocationBackend(client=client, key=key), redis_client=client)
    client.delete(key, f"{key}:warming")


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.mark.parametrize(("kind", "query_of"), [
    (J, lambda key: Query(jti=key)),
    (F, lambda key: Query(family=key)),
    (S, lambda key: Query(session=key)),
])
def test_a_revoked_key_is_revoked(harness, capture, django_assert_num_queries, kind, query_of):
    harness.warm()
    key = hex32()
    harness.revoke(Entry(kind, key, later()), capture_on_commit=capture)

    with django_assert_num_queries(harness.check_queries):
        assert harness.backend.is_revoked(query_of(key)) is True
    assert Revocation.objects.filter(kind=kind, key=key).count() == 1


def test_a_revoked_user_is_revoked_before_the_cutoff(harness, capture, django_assert_num_queries):
    harness.warm()
    cutoff = revocation.now_ms()
    harness.revoke(Entry(U, "41", later(), user_id=41, cutoff_ms=cutoff), capture_on_commit=capture)

    with django_assert_num_queries(harness.check_queries):
        assert harness.backend.is_revoked(Query(user_id=41, issued_at_ms=cutoff - 1)) is True
    row = Revocation.objects.get(kind=U, key="41")
    assert (row.user_id, row.cutoff_ms) == (41, cutoff)


def test_the_user_cutoff_compares_issued_at_strictly(harness, capture):
    harness.warm()
    cutoff = revocation.now_ms()
    harness.revoke(Entry(U, "42", later(), user_id=42, cutoff_ms=cutoff), capture_on_commit=capture)

    assert harness.backend.is_revoked(Query(user_id=42, issued_at_ms=cutoff - 1)) is True
    assert harness.backend.is_revoked(Query(user_id=42, issued_at_ms=cutoff)) is False
    assert harness.backend.is_revoked(Query(user_id=42, issued_at_ms=cutoff + 1)) is False
    # Another user's credentials are untouched by this cut-off.
    assert harness.backend.is_revoked(Query(user_id=43, issued_at_ms=cutoff - 1)) is False


def test_an_older_cutoff_never_moves_the_cutoff_back(harness, capture):
    harness.warm()
    newer = revocation.now_ms()
    older = newer - 60_000
    harness.revoke(Entry(U, "44", later(7200), user_id=44, cutoff_ms=newer), capture_on_commit=capture)
    harness.revoke(Entry(U, "44", later(3600), user_id=44, cutoff_ms=older), capture_on_commit=capture)

    assert harness.backend.is_revoked(Query(user_id=44, issued_at_ms=newer - 1)) is True
    assert harness.backend.is_revoked(Query(user_id=44, issued_at_ms=older)) is True
    row = Revocation.objects.get(kind=U, key="44")
    assert row.cutoff_ms == newer
    assert row.expires_at > later(3600)  # the expiry that covers the newer cut-off's tokens stays too
    if harness.redis is not None:
        assert harness.redis.hget(harness.backend.key, "u:44").split(b":")[0] == str(newer).encode()


def test_a_newer_cutoff_moves_the_cutoff_forward(harness, capture):
    harness.warm()
    first = revocation.now_ms() - 60_000
    second = first + 30_000
    harness.revoke(Entry(U, "45", later(), user_id=45, cutoff_ms=first), capture_on_commit=capture)
    harness.revoke(Entry(U, "45", later(), user_id=45, cutoff_ms=second), capture_on_commit=capture)

    assert harness.backend.is_revoked(Query(user_id=45, issued_at_ms=second - 1)) is True
    assert harness.backend.is_revoked(Query(user_id=45, issued_at_ms=second)) is False
    assert Revocation.objects.get(kind=U, key="45").cutoff_ms == second


def test_one_matching_key_is_enough(harness, capture):
    harness.warm()
    family = hex32()
    harness.revoke(Entry(F, family, later()), capture_on_commit=capture)

    assert harness.backend.is_revoked(Query(jti=hex32(), family=family, user_id=46,
                                            issued_at_ms=revocation.now_ms())) is True


def test_unknown_keys_are_not_revoked(harness, capture, django_assert_num_queries):
    harness.warm()
    harness.revoke(Entry(J, hex32(), later()), Entry(U, "47", later(), user_id=47, cutoff_ms=revocation.now_ms()),
                   capture_on_commit=capture)

    with django_assert_num_queries(harness.check_queries):
        assert harness.backend.is_revoked(Query(jti=hex32(), family=hex32(), user_id=48,
                                                issued_at_ms=0, session=hex32())) is False
    assert harness.backend.is_revoked(Query(session=hex32())) is False
    # A user entry only matters for a credential with an issue time: no `issued_at_ms`, nothing to compare.
    assert harness.backend.is_revoked(Query(user_id=47)) is False
    assert harness.backend.is_revoked(Query()) is False


def test_purge_removes_only_expired_entries(harness, capture):
    harness.warm()
    now = datetime.now(tz=UTC)
    expired = [Entry(J, hex32(), now - timedelta(seconds=5)), Entry(F, hex32(), now - timedelta(seconds=60)),
               Entry(U, "49", now - timedelta(seconds=1), user_id=49, cutoff_ms=revocation.now_ms() - 10**7)]
    live = [Entry(J, hex32(), now + timedelta(seconds=60)), Entry(S, hex32(), now + timedelta(hours=1)),
            Entry(U, "50", now + timedelta(days=1), user_id=50, cutoff_ms=revocation.now_ms())]
    harness.revoke(*expired, *live, capture_on_commit=capture)

    assert harness.backend.purge(now) == len(expired)

    assert set(Revocation.objects.values_list("kind", "key")) == {(e.kind, e.key) for e in live}
    assert harness.backend.is_revoked(Query(jti=live[0].key)) is True
    assert harness.backend.is_revoked(Query(session=live[1].key)) is True
    assert harness.backend.is_revoked(Query(user_id=50, issued_at_ms=live[2].cutoff_ms - 1)) is True
    if harness.redis is not None:
        fields = harness.hash_fields()
        assert {e.field for e in live} <= fields
        assert not {e.field for e in expired} & fields
        assert LEASE_FIELD in fields  # bookkeeping survives a purge
    assert harness.backend.purge(now) == 0


def test_an_acknowledged_revocation_is_durable(harness, capture):
    harness.warm()
    jti = hex32()
    harness.revoke(Entry(J, jti, later()), capture_on_commit=capture)
    if harness.redis is not None:
        harness.redis.delete(harness.backend.key)  # the cache is lost whole (eviction, FLUSHALL, restart)

    assert harness.backend.is_revoked(Query(jti=jti)) is True


def test_revoke_user_returns_once_the_clock_has_passed_the_cutoff(db):
    cutoff = revocation.revoke_user(user_id=51, reason="test")

    assert revocation.now_ms() >= cutoff
    assert revocation.is_revoked(Query(user_id=51, issued_at_ms=cutoff - 1)) is True
    assert revocation.is_revoked(Query(user_id=51, issued_at_ms=revocation.now_ms())) is False


def test_every_backend_keeps_to_one_database_query_per_cold_check(harness, django_assert_max_num_queries):
    """A cold Redis copy costs the check its database answer plus the rebuild, never a query per entry."""
    if harness.redis is None:
        pytest.skip("the database backend has no cache to rebuild")
    harness.redis.delete(harness.backend.key)
    with django_assert_max_num_queries(3):
        assert harness.backend.is_revoked(Query(jti=hex32())) is False
    assert harness.redis.hexists(harness.backend.key, LEASE_FIELD)


def test_the_purge_command_removes_expired_entries_of_the_configured_backend(db):
    revocation.revoke_token(jti="a" * 32, expires_at=(datetime.now(tz=UTC) - timedelta(minutes=1)).timestamp())
    revocation.revoke_token(jti="b" * 32, expires_at=later().timestamp())
    out = StringIO()

    call_command("purge_revocations", stdout=out)

    assert out.getvalue() == "Purged 1 expired revocation entries.\n"
    assert list(Revocation.objects.values_list("key", flat=True)) == ["b" * 32]
    assert revocation.is_revoked(Query(jti="b" * 32)) is True


def test_the_one_round_trip_read_decides_as_is_revoked(harness, capture):
    """`redis_copy()`, `fields()`, `verdict()`: what cached_db reads in its own pipeline decides as `is_revoked()`;
    without a copy (the database backend), `verdict()` asks the store itself, whatever values it is given."""
    revoked, live = hex32(), hex32()
    harness.revoke(Entry(S, revoked, later()), capture_on_commit=capture)
    harness.warm()
    copy = harness.backend.redis_copy()
    assert (copy is None) == (harness.redis is None)
    for key, expected in ((revoked, True), (live, False)):
        query = Query(session=key)
        fields = harness.backend.fields(query)
        values = copy[0].hmget(copy[1], fields) if copy is not None else [None] * len(fields)
        assert harness.backend.verdict(query, values) is expected is harness.backend.is_revoked(query)
    if copy is None:
        assert harness.backend.fields(Query(session=revoked)) == []
