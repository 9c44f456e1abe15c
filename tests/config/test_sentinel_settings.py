"""REDIS_SENTINELS and REDIS_SENTINEL_MASTER: parsed strictly, refused with a message naming the variable, and
wired into django-redis's Sentinel connection factory (one pool, to the primary)."""

import runpy

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env


@pytest.fixture
def setenv(monkeypatch):
    def set_(name, value):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return set_


def test_env_host_ports_reads_hosts_ports_and_bracketed_ipv6(setenv):
    setenv("TL_SENTINELS", " sentinel-a:26379, 10.0.0.7:26380 ,[::1]:26381")
    assert env.env_host_ports("TL_SENTINELS") == [("sentinel-a", 26379), ("10.0.0.7", 26380), ("::1", 26381)]
    setenv("TL_SENTINELS", None)
    assert env.env_host_ports("TL_SENTINELS") == []


@pytest.mark.parametrize("raw", ["sentinel-a", "sentinel-a:", ":26379", "sentinel-a:0", "sentinel-a:65536",
                                 "sentinel-a:port", "redis://sentinel-a:26379", "a b:26379", "a:1,b"])
def test_env_host_ports_refuses_what_is_not_host_port(setenv, raw):
    setenv("TL_SENTINELS", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_SENTINELS must be comma-separated host:port items"):
        env.env_host_ports("TL_SENTINELS")


@pytest.mark.parametrize("raw", ["TokenLab", "token lab", "-tokenlab", "tokenlab/0", "x" * 65])
def test_env_service_name_refuses_what_cannot_travel_in_a_url_host(setenv, raw):
    setenv("TL_MASTER", raw)
    with pytest.raises(ImproperlyConfigured, match="TL_MASTER must be lowercase letters"):
        env.env_service_name("TL_MASTER", "tokenlab")


def settings_with(monkeypatch, **values) -> dict:
    monkeypatch.delenv("REDIS_URL", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return runpy.run_module("config.settings", run_name="config.settings_probe")


@pytest.mark.parametrize(("values", "message"), [
    ({"REDIS_SENTINELS": "sentinel-a"}, "REDIS_SENTINELS must be"),
    ({"REDIS_SENTINELS": "sentinel-a:26379", "REDIS_SENTINEL_MASTER": "Token Lab"}, "REDIS_SENTINEL_MASTER must"),
    ({"REDIS_SENTINELS": "sentinel-a:26379", "REDIS_URL": "redis://127.0.0.1:6379/0"},
     "Set REDIS_URL or REDIS_SENTINELS, not both"),
])
def test_settings_refuse_bad_sentinel_configuration(monkeypatch, values, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        settings_with(monkeypatch, **values)


def test_settings_with_sentinels_use_django_redis_sentinel_factory(monkeypatch):
    values = settings_with(monkeypatch, REDIS_SENTINELS="sentinel-a:26379,sentinel-b:26379",
                           REDIS_SENTINEL_MASTER="tokenlab-eu")
    cache = values["CACHES"]["default"]
    assert values["REDIS_SENTINELS"] == [("sentinel-a", 26379), ("sentinel-b", 26379)]
    assert values["REDIS_URL"] == cache["LOCATION"] == "redis://tokenlab-eu/0"
    assert cache["BACKEND"] == "django_redis.cache.RedisCache"
    assert cache["OPTIONS"]["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
    assert cache["OPTIONS"]["SENTINELS"] == [("sentinel-a", 26379), ("sentinel-b", 26379)]
    assert "CLIENT_CLASS" not in cache["OPTIONS"]  # the default client: one pool, to the primary (no replica reads)
    assert (values["SESSION_ENGINE"], values["REVOCATION_BACKEND"]) == (
        "sessions_demo.backends.cached_db", "denylist.backends.redis.RedisRevocationBackend")


def test_settings_without_sentinels_name_the_default_master_and_keep_one_address(monkeypatch):
    values = settings_with(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/3")
    assert (values["REDIS_SENTINELS"], values["REDIS_SENTINEL_MASTER"]) == ([], "tokenlab")
    assert "CONNECTION_FACTORY" not in values["CACHES"]["default"]["OPTIONS"]
