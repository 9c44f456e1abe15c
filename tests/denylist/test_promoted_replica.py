"""A replica promoted after missing the last revocations is never trusted on its old primary's lease.

A real primary and replica (private redis-server processes). The doors warm the copy on the primary with a lease
of ten minutes; replication stops (`REPLICAOF NO ONE`: the replica is promoted by hand, as Sentinel would); a
credential is ended on the primary; the doors then talk to the promoted replica, which holds the copy as it was
before the logout. Its first check asks the database and rebuilds the copy: the ended credential is refused at
once, on both doors, and the replica's copy is then vouched for under its own identity.
"""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest

from denylist import revocation
from denylist.backends.db import DatabaseRevocationBackend
from denylist.backends.redis import RedisRevocationBackend
from denylist.backends.redis_layout import LEASE_FIELD, WARMING_FIELD
from denylist.entries import Entry, Query
from denylist.models import Revocation
from tests.support.doors import DOORS
from tests.support.fixtures import own_redis_caches
from tests.support.flows import assert_refused, log_out
from tests.support.processes import RedisServer, _forget_pools, require_redis_binary
from tests.support.suite import PASSWORD

KEY = "tokenlab:revocations"


@pytest.fixture
def primary_and_replica(tmp_path):
    require_redis_binary()
    (tmp_path / "primary").mkdir()
    (tmp_path / "replica").mkdir()
    primary = RedisServer(tmp_path / "primary")
    replica = RedisServer(tmp_path / "replica", replica_of=primary)
    try:
        primary.start()
        replica.start()
        for server in (primary, replica):
            _forget_pools(server.url)
        yield primary, replica
    finally:
        for server in (replica, primary):
            server.stop()
            _forget_pools(server.url)


def use(settings, server: RedisServer) -> None:
    """Point Token Lab's Redis clients (revocation copy, session cache, throttles) at `server`."""
    settings.CACHES = own_redis_caches(server)


def test_a_promoted_replica_that_missed_a_logout_is_revalidated(primary_and_replica, settings, door_name, user,
                                                                other_user):
    primary, replica = primary_and_replica
    use(settings, primary)
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    settings.REVOCATION_LEASE_SECONDS = 600  # the old primary's lease would vouch for ten minutes more
    ended = DOORS[door_name](user.username, PASSWORD).login()
    bystander = DOORS[door_name](other_user.username, PASSWORD).login()
    assert ended.get("notes/").status_code == HTTPStatus.OK  # the copy is built on the primary, leased
    replica.wait_in_sync()
    with primary.client() as on_primary, replica.client() as on_replica:
        assert on_primary.hget(KEY, "!lease") is not None
        assert on_replica.hget(KEY, "!server") == on_primary.hget(KEY, "!server")  # the copy did replicate...
        assert on_replica.hget(KEY, "!lease") is None  # ...its lease did not
        on_replica.replicaof("NO", "ONE")  # promoted: replication stops here
        fields_before = on_replica.hlen(KEY)

        log_out(ended)  # acknowledged: the primary has the entry, the promoted replica never will

        assert on_primary.hlen(KEY) > fields_before
        assert on_replica.hlen(KEY) == fields_before

        use(settings, replica)  # the failover: every client now talks to the promoted replica
        assert_refused(ended, ended.get("notes/"))
        assert bystander.get("notes/").status_code == HTTPStatus.OK
        assert_refused(ended, ended.get("notes/"))  # and again, from the rebuilt copy

        run_id = on_replica.info("server")["run_id"].encode()
        assert on_replica.hget(KEY, "!server") == run_id  # re-vouched for by the database, as itself
        assert on_replica.hget(KEY, "!lease") is not None
        assert on_replica.hlen(KEY) == on_primary.hlen(KEY)


def test_a_replica_never_receives_the_lease_of_a_renewal(primary_and_replica, settings, user, monkeypatch):
    """A renewal (not only the first grant) stays on the primary, and removes the field from the replicas."""
    primary, replica = primary_and_replica
    use(settings, primary)
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    door = DOORS["jwt"](user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    with primary.client() as on_primary, replica.client() as on_replica:
        first = on_primary.hget(KEY, "!lease")
        on_replica.execute_command("CONFIG", "SET", "replica-read-only", "no")
        on_replica.hset(KEY, "!lease", first)  # as a full resynchronisation would have copied it
        monkeypatch.setattr("denylist.backends.redis.RedisRevocationBackend.clock",
                            staticmethod(lambda: int(first) + 1))  # the lease has run out: the next check renews

        assert door.get("notes/").status_code == HTTPStatus.OK

        assert int(on_primary.hget(KEY, "!lease")) > int(first)
        replica.wait_in_sync()
        assert on_replica.hget(KEY, "!lease") is None


@pytest.mark.django_db
def test_a_rebuild_mark_copied_from_another_server_is_never_continued(primary_and_replica, settings, monkeypatch):
    """A full resynchronisation copies the primary's memory, a rebuild's mark included. A replica promoted with it
    may lack rows behind the mark's cursor: it starts the rebuild over rather than trust the old one's progress."""
    primary, replica = primary_and_replica
    settings.CACHES = own_redis_caches(primary, socket_timeout=10)
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    monkeypatch.setattr(RedisRevocationBackend, "rebuild_chunk", 3)
    expires = datetime.now(tz=UTC) + timedelta(days=1)
    DatabaseRevocationBackend().revoke([Entry("j", f"jti-{n:02d}", expires) for n in range(10)])
    revocation.get_backend().is_revoked(Query(jti="x"))  # the first chunk of a rebuild on the primary
    replica.wait_in_sync()
    with primary.client() as on_primary, replica.client() as on_replica:
        mark = on_primary.hget(KEY, WARMING_FIELD)
        assert mark.endswith(b"." + on_primary.info("server")["run_id"].encode() + b":" + str(
            Revocation.objects.order_by("pk").values_list("pk", flat=True)[2]).encode())
        assert on_replica.hget(KEY, WARMING_FIELD) is None  # the mark does not replicate...
        on_replica.replicaof("NO", "ONE")
        on_replica.hset(KEY, WARMING_FIELD, mark)  # ...but a full resynchronisation would copy it
        on_replica.hdel(KEY, "j:jti-00")  # and this replica missed a row behind its cursor

        settings.CACHES = own_redis_caches(replica, socket_timeout=10)  # promoted
        backend = revocation.get_backend()
        for _ in range(6):
            assert backend.is_revoked(Query(jti="jti-00")) is True  # from the database while there is no lease
            if on_replica.hexists(KEY, LEASE_FIELD):
                break
        assert on_replica.hexists(KEY, LEASE_FIELD)
        assert {f.decode() for f in on_replica.hkeys(KEY) if not f.startswith(b"!")} == {
            f"j:jti-{n:02d}" for n in range(10)}
        assert backend.is_revoked(Query(jti="jti-00")) is True  # and from the leased copy
