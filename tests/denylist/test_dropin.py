"""`denylist` in a stock simplejwt project: logout, logout-all and reuse of a rotated refresh token revoke access
tokens on the next request, with nothing of Token Lab's imported.

The project (tests/denylist/dropin/) is simplejwt's own views plus the lines of denylist/simplejwt/__init__.py.
It runs in a process of its own, with its settings as DJANGO_SETTINGS_MODULE: an `override_settings` here would
leave Token Lab's apps loaded and could not show that the store stands alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REVOKED = [401, "token_revoked"]
OK = [200, None]


def run_dropin(redis_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DJANGO_SETTINGS_MODULE="tests.denylist.dropin.settings", PYTHONPATH=str(ROOT))
    if redis_url:
        env.update(REDIS_URL=redis_url, DROPIN_REDIS_KEY="dropin:revocations")
    result = subprocess.run([sys.executable, "-m", "tests.denylist.dropin.scenario"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


_REPORTS: dict[str, dict] = {}


@pytest.fixture(params=["database", "redis"])
def dropin(request) -> dict:
    """The scenario's report, with the store on the database alone or with its Redis fast path (a private server).
    One run per mode serves every test of this module."""
    if request.param not in _REPORTS:
        redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else None
        _REPORTS[request.param] = run_dropin(redis_url)
    return _REPORTS[request.param]


def test_logout_logout_all_and_reuse_revoke_access_tokens_in_a_stock_simplejwt_project(dropin):
    steps = dropin["steps"]
    assert steps["login"] == steps["login-other"] == steps["login-bob"] == steps["fresh-access"] == OK
    # POST /api/logout/ with the access token and the refresh token of one login.
    assert steps["logout"] == [204, None]
    assert steps["access-after-logout"] == REVOKED
    assert steps["refresh-after-logout"] == REVOKED
    assert steps["other-login-after-logout"] == OK
    # Rotation through simplejwt's TokenRefreshView; replaying the rotated token ends the login.
    assert steps["rotate"] == steps["rotated-access"] == steps["first-access-after-rotation"] == OK
    assert steps["replay-rotated"] == [401, "token_reused"]
    assert steps["successor-access-after-reuse"] == REVOKED
    assert steps["first-access-after-reuse"] == REVOKED
    assert steps["successor-refresh-after-reuse"] == REVOKED
    # POST /api/logout-all/: every earlier token of the user, and only the user's.
    assert steps["logout-all"] == [204, None]
    assert steps["other-login-after-logout-all"] == REVOKED
    assert steps["other-refresh-after-logout-all"] == REVOKED
    assert steps["bob-after-ada-logout-all"] == OK
    assert steps["login-again"] == steps["new-login-after-logout-all"] == OK


def test_the_dropin_check_costs_one_round_trip_and_reads_no_user(dropin):
    hot_path = dropin["hot_path"]
    assert dropin["steps"]["hot"] == OK
    if hot_path["backend"] == "RedisRevocationBackend":
        assert (hot_path["queries"], hot_path["redis"]) == ([], ["HMGET"])
    else:
        assert (hot_path["queries"], hot_path["redis"]) == (['"denylist_revocation"'], [])


def test_the_dropin_imports_nothing_of_token_lab(dropin):
    assert dropin["project_modules"] == []
