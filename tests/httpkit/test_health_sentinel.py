"""With sentinels, `/healthz` and the console name the Redis primary in use, and every Redis client finds it
through them: a private primary and one sentinel watching it (redis-server processes stopped by pid)."""

from http import HTTPStatus

import pytest
from redis.sentinel import SentinelConnectionPool

from denylist import revocation
from httpkit.redis_primary import primary_address, primary_client
from tests.support.doors import JWTDoor
from tests.support.flows import assert_refused, log_out
from tests.support.processes import RedisServer, SentinelServer, _forget_pools, require_redis_binary
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db
LOCATION = "redis://tokenlab/0"


@pytest.fixture
def sentinel_redis(settings, tmp_path):
    """Token Lab in production mode, asking one sentinel for the primary of "tokenlab"."""
    require_redis_binary()
    for name in ("primary", "sentinel"):
        (tmp_path / name).mkdir()
    primary = RedisServer(tmp_path / "primary").start()
    sentinel = SentinelServer(tmp_path / "sentinel", master=primary, quorum=1)
    try:
        sentinel.start()
    except Exception:
        primary.stop()
        raise
    settings.REDIS_SENTINELS = [("127.0.0.1", sentinel.port)]
    settings.REDIS_SENTINEL_MASTER = "tokenlab"
    settings.REDIS_URL = LOCATION
    settings.CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": LOCATION, "KEY_PREFIX": "tokenlab",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5,
                    "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
                    "SENTINELS": settings.REDIS_SENTINELS}}}
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    _forget_pools(LOCATION)  # pools are kept per URL: another test's sentinel must not answer for this one
    yield primary
    _forget_pools(LOCATION)
    sentinel.stop()
    primary.stop()


def test_healthz_names_the_primary_the_sentinels_give(client, sentinel_redis):
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok",
                               "redis_primary": f"127.0.0.1:{sentinel_redis.port}"}


def test_healthz_is_503_while_the_named_primary_does_not_answer(client, sentinel_redis):
    sentinel_redis.stop()  # no replica to promote: the sentinel still names it, and it is gone
    response = client.get("/healthz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "5"
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable",
                               "redis_primary": None}


def test_console_shows_the_primary_its_role_and_identity(admin_client, sentinel_redis):
    with sentinel_redis.client() as inspector:
        run_id = inspector.info("server")["run_id"]
    response = admin_client.get("/admin/console/")
    assert response.status_code == HTTPStatus.OK
    assert response.context["data"]["health"]["redis_primary"] == {
        "address": f"127.0.0.1:{sentinel_redis.port}", "role": "master", "run_id": run_id}
    assert (f'<td data-health="redis-primary">127.0.0.1:{sentinel_redis.port} (master, run {run_id[:8]})</td>'
            in response.content.decode())


def test_console_says_when_no_primary_answers(admin_client, sentinel_redis):
    sentinel_redis.stop()
    response = admin_client.get("/admin/console/")
    assert response.status_code == HTTPStatus.OK
    assert response.context["data"]["health"] == {"database": "ok", "redis": "unavailable", "redis_primary": None}
    assert "none reachable: the sentinels name no primary that answers" in response.content.decode()


def test_the_revocation_copy_lives_on_the_primary_the_sentinels_give(sentinel_redis, user):
    door = JWTDoor(user.username, PASSWORD).login()
    assert door.get("notes/").status_code == HTTPStatus.OK
    assert isinstance(revocation.get_backend().client.connection_pool, SentinelConnectionPool)
    with sentinel_redis.client() as inspector:
        def entries() -> int:
            return sum(not field.startswith(b"!") for field in inspector.hkeys("tokenlab:revocations"))
        before = entries()
        log_out(door)
        assert_refused(door, door.get("notes/"))
        assert entries() > before
        assert inspector.hget("tokenlab:revocations", "!server") == inspector.info("server")["run_id"].encode()


def test_a_client_of_its_own_finds_the_primary_through_the_sentinels(sentinel_redis):
    """The bench's own clients (its long administrative commands) go where the cache goes."""
    client = primary_client(socket_timeout=2, socket_connect_timeout=2)
    try:
        assert client.info("server")["process_id"] == sentinel_redis.process.pid
        assert primary_address(client) == f"127.0.0.1:{sentinel_redis.port}"
    finally:
        client.close()


def test_without_sentinels_a_client_of_its_own_goes_to_redis_url(settings, redis_server):
    settings.REDIS_SENTINELS = []
    settings.REDIS_URL = redis_server.url
    client = primary_client(socket_timeout=2, socket_connect_timeout=2)
    try:
        assert client.info("server")["process_id"] == redis_server.process.pid
        assert primary_address(client) == f"127.0.0.1:{redis_server.port}"
    finally:
        client.close()
