"""Fixtures for the cross-process tests."""

from tests.integration.processes import redis_server_fixture  # noqa: F401 - `redis_server`
