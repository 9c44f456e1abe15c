"""`denylist` in a stock project built from the README: every way an access token must end, ends.

The project is made the way a user would make it: `django-admin startproject`, then the lines DRF's and simplejwt's
installation docs give (`rest_framework` installed, simplejwt's `JWTAuthentication` in `REST_FRAMEWORK`, its
token views at the usual URLs), then the two blocks of README.md's "Early revocation in your own simplejwt project"
read from the README itself and appended as they are. `denylist/` is linked onto its path (a folder holding only
that link), nothing else of Token Lab. It migrates its own database — SQLite in the project's folder, and in
production mode a PostgreSQL database of its own — and runs tests/denylist/dropin/scenario.py in a process of its
own, with and without a private Redis: an `override_settings` here would leave Token Lab's apps loaded and could
not show that the store stands alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as token_lab_settings

from tests.support.suite import PRODUCTION_MODE

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SCENARIO = ROOT / "tests" / "denylist" / "dropin" / "scenario.py"
HEADING = "## Early revocation in your own simplejwt project"
LEASE = 1  # REVOCATION_LEASE_SECONDS of the Redis runs: a write that bypasses save() must show within it
REVOKED = [401, "token_revoked"]
OK = [200, None]

# What DRF's and simplejwt's installation docs add to a fresh project (before the README's lines).
DOCS_SETTINGS = '''
INSTALLED_APPS += ["rest_framework", "rest_framework_simplejwt"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework_simplejwt.authentication.JWTAuthentication",),
}
'''
DOCS_URLS = '''
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView
urlpatterns += [
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/token/verify/", TokenVerifyView.as_view(), name="token_verify"),
]
'''
# The project's own protected resource, and what this test needs of its environment.
WHOAMI = '''
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def whoami(request):
    return Response({"id": request.user.id})
'''
TEST_SETTINGS = '''
ALLOWED_HOSTS = ["testserver"]
'''
TEST_URLS = '''
from stock.whoami import whoami
urlpatterns += [path("api/whoami/", whoami)]
'''


def readme_blocks() -> tuple[str, str]:
    """Return the README's settings lines and urls lines: the one python block under HEADING, split at `# urls.py`."""
    section = README.read_text().split(HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```python\n")[1:]
    assert len(blocks) == 1, "the section holds exactly one python block"
    code = blocks[0].split("```", 1)[0]
    settings_lines, urls_lines = code.split("# urls.py\n")
    assert settings_lines.startswith("# settings.py\n")
    return settings_lines, urls_lines


def build_project(base: Path, *, database: dict | None, redis_url: str | None) -> Path:
    """`django-admin startproject stock`, the docs' lines, the README's lines; return the project folder."""
    project = base / "stock"
    project.mkdir()
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run([str(django_admin), "startproject", "stock", str(project)], check=True, capture_output=True)
    settings_lines, urls_lines = readme_blocks()
    extra = TEST_SETTINGS
    if database is not None:
        extra += f"DATABASES = {{'default': {database!r}}}\n"
    if redis_url is not None:
        extra += (f'CACHES = {{"default": {{"BACKEND": "django_redis.cache.RedisCache", "LOCATION": {redis_url!r},'
                  ' "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}}}\n'
                  f'REVOCATION_LEASE_SECONDS = {LEASE}\n')
        # The README's optional line, switched on as its comment says.
        settings_lines = settings_lines.replace("# REVOCATION_BACKEND", "REVOCATION_BACKEND")
    with (project / "stock" / "settings.py").open("a") as f:
        f.write(DOCS_SETTINGS + extra + "\n" + settings_lines)
    with (project / "stock" / "urls.py").open("a") as f:
        f.write(DOCS_URLS + TEST_URLS + "\n" + urls_lines)
    (project / "stock" / "whoami.py").write_text(WHOAMI)
    library = base / "lib"
    library.mkdir()
    (library / "denylist").symlink_to(ROOT / "denylist", target_is_directory=True)
    return project


def postgresql_database() -> dict:
    """A PostgreSQL database of the stock project's own, next to this run's (created empty)."""
    ours = token_lab_settings.DATABASES["default"]
    name = f"{ours['NAME']}_stock"
    params = {"host": ours.get("HOST") or "127.0.0.1", "port": ours.get("PORT") or 5432,
              "user": ours.get("USER") or "postgres", "password": ours.get("PASSWORD") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return {"ENGINE": "django.db.backends.postgresql", "NAME": name, "HOST": params["host"],
            "PORT": str(params["port"]), "USER": params["user"], "PASSWORD": params["password"] or ""}


def run_scenario(project: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}}
    env.update(DJANGO_SETTINGS_MODULE="stock.settings", PYTHONPATH=f"{project}{os.pathsep}{project.parent / 'lib'}")
    result = subprocess.run([sys.executable, str(SCENARIO)], cwd=project, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


_REPORTS: dict[tuple[str, str], dict] = {}


@pytest.fixture(params=[("sqlite", "database"), ("sqlite", "redis"), ("postgresql", "database"),
                        ("postgresql", "redis")], ids="-".join)
def stock(request, tmp_path_factory) -> dict:
    """The scenario's report for one database and one store; one run per pair serves every test of this module."""
    database, store = request.param
    if database == "postgresql" and not PRODUCTION_MODE:
        pytest.skip("embedded mode: the PostgreSQL runs belong to production mode (DATABASE_URL)")
    if request.param not in _REPORTS:
        redis_url = request.getfixturevalue("redis_server").url if store == "redis" else None
        project = build_project(tmp_path_factory.mktemp(f"stock-{database}-{store}"), redis_url=redis_url,
                                database=postgresql_database() if database == "postgresql" else None)
        _REPORTS[request.param] = {**run_scenario(project), "store": store}
    return _REPORTS[request.param]


def test_the_readme_lines_build_a_project_whose_triggers_are_installed(stock):
    assert stock["triggers"] is True
    assert stock["vendor"] in {"sqlite", "postgresql"}
    assert stock["lease"] == (LEASE if stock["store"] == "redis" else None)


def test_request_user_keeps_the_user_models_id_type(stock):
    assert stock["steps"]["fresh-access"] == OK
    assert stock["ids"]["whoami"] == stock["ids"]["ada"]
    assert isinstance(stock["ids"]["whoami"], int)


def test_logout_logout_all_and_reuse_revoke_access_tokens(stock):
    steps = stock["steps"]
    assert steps["login"] == steps["login-other"] == steps["login-bob"] == OK
    assert steps["logout"] == [204, None]
    assert steps["access-after-logout"] == steps["refresh-after-logout"] == REVOKED
    assert steps["other-login-after-logout"] == OK
    assert steps["rotate"] == steps["rotated-access"] == steps["first-access-after-rotation"] == OK
    assert steps["replay-rotated"] == [401, "token_reused"]
    assert steps["successor-access-after-reuse"] == steps["first-access-after-reuse"] == REVOKED
    assert steps["successor-refresh-after-reuse"] == REVOKED
    assert steps["logout-all"] == [204, None]
    assert steps["other-login-after-logout-all"] == steps["other-refresh-after-logout-all"] == REVOKED
    assert steps["bob-after-ada-logout-all"] == OK
    assert steps["login-again"] == steps["new-login-after-logout-all"] == OK


def test_a_refresh_token_without_a_user_claim_is_a_token_error(stock):
    assert stock["steps"]["refresh-without-user-claim"] == [401, "token_not_valid"]


@pytest.mark.parametrize("step", ["deactivated-by-save", "deleted", "password-changed"])
def test_a_save_or_delete_of_the_account_ends_its_tokens_on_the_next_request(stock, step):
    assert stock["steps"][step] == REVOKED
    assert stock["delays"][step] < 0.5  # the first request after the write (receivers push Redis at once)


@pytest.mark.parametrize("step", ["deactivated-by-update", "deactivated-by-raw-sql", "password-by-raw-sql"])
def test_a_write_that_bypasses_save_ends_the_tokens_within_one_lease(stock, step):
    """The database's triggers: at once on the database store, within one lease on Redis (its next renewal)."""
    assert stock["steps"][step] == REVOKED
    assert stock["delays"][step] < (0.5 if stock["store"] == "database" else LEASE + 0.5)


def test_what_follows_an_account_change(stock):
    steps = stock["steps"]
    assert steps["refresh-after-deactivation"] == steps["refresh-after-password-change"] == REVOKED
    assert steps["reactivation-revives-nothing"] == REVOKED
    assert steps["old-password-after-change"] == [401, None]  # simplejwt's login refusal: a detail, no code
    assert steps["login-gus-new"] == steps["new-password-login"] == OK


def test_a_hasher_upgrade_at_login_ends_nothing(stock):
    upgrade = stock["upgrade"]
    assert upgrade["hash"] == upgrade["preferred"]  # the login did re-encode the hash
    assert (upgrade["cutoff_moved"], upgrade["permits_left"]) == (False, 0)
    assert stock["steps"]["login-upgrades-hash"] == OK
    assert stock["steps"]["token-from-before-upgrade"] == stock["steps"]["refresh-from-before-upgrade"] == OK
    assert stock["async_upgrade"] == {"checked": True, "hash": upgrade["preferred"], "cutoff_moved": False}
    assert stock["steps"]["token-from-before-async-upgrade"] == OK


def test_a_new_password_saved_during_a_password_check_is_no_re_hash(stock):
    assert stock["steps"]["password-changed-inside-a-check"] == REVOKED
    assert stock["delays"]["password-changed-inside-a-check"] < 0.5


def test_the_check_costs_one_round_trip_and_reads_no_user(stock):
    hot_path = stock["hot_path"]
    assert stock["steps"]["hot"] == OK
    if stock["store"] == "redis":
        assert (hot_path["backend"], hot_path["queries"], hot_path["redis"]) == (
            "RedisRevocationBackend", [], ["HMGET"])
    else:
        assert (hot_path["backend"], hot_path["queries"], hot_path["redis"]) == (
            "DatabaseRevocationBackend", ['"denylist_revocation"'], [])


def test_the_dropin_imports_nothing_of_token_lab(stock):
    assert stock["project_modules"] == []
