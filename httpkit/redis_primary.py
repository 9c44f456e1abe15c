"""The Redis primary Token Lab talks to: the one server of REDIS_URL, or whichever one the sentinels of
REDIS_SENTINELS name as the current primary of REDIS_SENTINEL_MASTER.

The cache, the session store, the revocation copy and the throttles reach it through django-redis's pool
(settings.CACHES, `django_redis.pool.SentinelConnectionFactory` with sentinels); code that needs a client of its
own — the bench's long administrative commands — gets one here, so that nothing connects to a fixed address
behind the sentinels' back.
"""

import redis
from django.conf import settings
from redis.sentinel import Sentinel


def primary_client(*, socket_timeout: float, socket_connect_timeout: float) -> redis.Redis:
    """Return a new client of the current primary, with its own pool (close it after use).

    With sentinels, each new connection asks them for the primary, so the client follows a failover.
    """
    timeouts = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_connect_timeout}
    if settings.REDIS_SENTINELS:
        sentinels = Sentinel(settings.REDIS_SENTINELS, **timeouts)
        return sentinels.master_for(settings.REDIS_SENTINEL_MASTER, **timeouts)
    return redis.Redis.from_url(settings.REDIS_URL, **timeouts)


def primary_address(client: redis.Redis) -> str:
    """Return where `client`'s pool connects: "host:port" of the primary the sentinels name (asked now), or of
    the configured server. Raise RedisError when no sentinel answers."""
    pool = client.connection_pool
    if hasattr(pool, "get_master_address"):  # redis.sentinel.SentinelConnectionPool
        host, port = pool.get_master_address()
        return f"{host}:{port}"
    kwargs = pool.connection_kwargs
    return kwargs["path"] if "path" in kwargs else f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"


def primary_status() -> dict:
    """Describe the primary the app's requests go to: {"address", "role", "run_id"} (role "master" on a healthy
    primary; a server still answering as "slave" is a replica that the sentinels have not promoted yet). Raise
    RedisError when it cannot be reached."""
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    role = client.execute_command("ROLE")[0]
    return {"address": primary_address(client), "role": role.decode() if isinstance(role, bytes) else role,
            "run_id": client.info("server")["run_id"]}
