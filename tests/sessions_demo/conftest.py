"""Fixtures for the session door's tests: a private redis-server in production mode (shared with tests/denylist)."""

from tests.denylist.conftest import own_redis  # noqa: F401 - fixture
from tests.integration.processes import redis_server_fixture  # noqa: F401 - fixture `redis_server`
