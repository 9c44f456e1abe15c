"""Deployment checks (each app's checks.py): clean with production-like settings, and each one fires when it should."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3Jq9vXw2LmN8pR4tY6uZ1aB5cD7eF0gH-iJ_oK" + "s2Vx"
REDIS_CACHE = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/6",
               "OPTIONS": {"SOCKET_TIMEOUT": 0.5, "SOCKET_CONNECT_TIMEOUT": 0.5}}


@pytest.fixture
def production(settings):
    """Settings that pass every Token Lab deployment check; each test then breaks one thing."""
    settings.DEBUG = False
    settings.SECRET_KEY = "s" + GOOD_KEY[::-1] + "Q9"
    settings.JWT_ALGORITHM = "HS256"
    settings.JWT_SIGNING_KEY = GOOD_KEY
    settings.ACCESS_TOKEN_LIFETIME = 900
    settings.REVOCATION_ENABLED = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CACHES = {"default": dict(REDIS_CACHE, OPTIONS=dict(REDIS_CACHE["OPTIONS"]))}
    return settings


def token_lab_ids() -> list[str]:
    return sorted(m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("tokenlab."))


def test_production_like_settings_are_clean(production):
    assert token_lab_ids() == []


@pytest.mark.parametrize("change,expected", [
    ({"JWT_SIGNING_KEY": "short-key"}, ["tokenlab.E001"]),
    ({"JWT_SIGNING_KEY": "ab" * 32}, ["tokenlab.E003"]),
    ({"JWT_SIGNING_KEY": "same-as-the-secret-key-" + GOOD_KEY, "SECRET_KEY": "same-as-the-secret-key-" + GOOD_KEY},
     ["tokenlab.E002"]),
    ({"ACCESS_TOKEN_LIFETIME": 3601}, ["tokenlab.W010"]),
    ({"REVOCATION_ENABLED": False}, ["tokenlab.W011"]),
    ({"DEBUG": True}, ["tokenlab.W012"]),
    ({"SESSION_COOKIE_SECURE": False}, ["tokenlab.W013"]),
], ids=["hmac-too-short", "hmac-repetitive", "key-is-secret-key", "access-over-an-hour", "denylist-off", "debug",
        "cookie-not-secure"])
def test_each_policy_check_fires(production, change, expected):
    for name, value in change.items():
        setattr(production, name, value)
    assert token_lab_ids() == expected


def test_access_lifetime_of_exactly_an_hour_is_allowed(production):
    production.ACCESS_TOKEN_LIFETIME = 3600
    assert token_lab_ids() == []


@pytest.mark.parametrize("options,expected", [
    ({"IGNORE_EXCEPTIONS": True}, ["tokenlab.E020"]),
    ({"SOCKET_TIMEOUT": None}, ["tokenlab.W021"]),
    ({"SOCKET_CONNECT_TIMEOUT": 30}, ["tokenlab.W021"]),
    ({"SOCKET_TIMEOUT": 0}, ["tokenlab.W021"]),
], ids=["ignore-exceptions", "no-socket-timeout", "connect-timeout-too-long", "zero-timeout"])
def test_redis_cache_checks_fire(production, options, expected):
    production.CACHES["default"]["OPTIONS"].update(options)
    assert token_lab_ids() == expected


@pytest.mark.parametrize("backend", ["django.core.cache.backends.locmem.LocMemCache",
                                     "django.core.cache.backends.db.DatabaseCache"])
def test_production_without_redis_warns_that_the_throttles_are_per_process(production, backend):
    production.CACHES = {"default": {"BACKEND": backend, "LOCATION": "tokenlab"}}
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id.startswith("tokenlab.")]
    assert [m.id for m in messages] == ["tokenlab.W022"]
    assert "rate times the number of workers" in messages[0].msg


def test_embedded_mode_in_debug_does_not_warn_about_the_throttles(production):
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    production.DEBUG = True
    assert token_lab_ids() == ["tokenlab.W012"]


def test_global_ignore_exceptions_fires_too(production):
    production.DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    assert token_lab_ids() == ["tokenlab.E020"]


def test_a_weak_rsa_key_fires(production, tmp_path):
    path = tmp_path / "weak.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    production.JWT_ALGORITHM = "RS256"
    production.JWT_SIGNING_KEY = str(path)
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "tokenlab.E004"]
    assert len(messages) == 1 and "2048" in messages[0].msg


def test_an_unreadable_key_file_fires(production, tmp_path):
    production.JWT_ALGORITHM = "RS256"
    production.JWT_SIGNING_KEY = str(tmp_path / "missing.pem")
    assert token_lab_ids() == ["tokenlab.E004"]


def check_deploy(**extra: str) -> subprocess.CompletedProcess:
    """Run the command CI runs (.ci/run), in production settings, with random secrets."""
    # A clean environment, as in .ci/run's static-checks step: nothing this test process (or another test's
    # fixture, e.g. DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests) has exported may leak in.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
           "SECRET_KEY": "ci-" + os.urandom(36).hex(), "JWT_SIGNING_KEY": "ci-" + os.urandom(36).hex(),
           "ALLOWED_HOSTS": "tokenlab.example", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings", **extra}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_manage_py_check_deploy_is_clean_with_the_ci_environment():
    """.ci/run's step sets REDIS_URL (the check only reads it; nothing connects)."""
    result = check_deploy(REDIS_URL="redis://127.0.0.1:6379/1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_manage_py_check_deploy_fails_without_redis():
    result = check_deploy()
    assert result.returncode != 0
    assert "tokenlab.W022" in result.stderr + result.stdout
