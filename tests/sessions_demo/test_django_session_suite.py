"""Django's own session tests (`tests/sessions_tests` of the pinned sdist), sync and async, over Token Lab's stores.

`.ci/upstream-suites` unpacks the sdist into `.upstream/` (CI runs it first); without it this module skips on a
laptop and fails in CI. Django's `DatabaseSessionTests` and `CacheDBSessionTests` run unchanged but for the store
under test (`backend`, `session_engine`); the tests in tests/sessions_demo/django_suite_departures.py, each a
deliberate hardening argued there, are marked xfail(strict=True): each must still fail, every other test must pass.

The adapter, kept to this module: Django's tests directory goes at the end of `sys.path` (for `sessions_tests` and
its failing cache backend, `cache.failing_cache`), and while `sessions_tests.tests` is imported, the two models modules
it imports but these classes never use — `django.contrib.sessions.models` and `sessions_tests.models` (the stock
Session model and Django's custom-session test model, of apps Token Lab does not install) — are stand-ins. So no
app is added to INSTALLED_APPS and no table is created. The cached_db classes run on a private redis-server in both
modes (`own_redis`, as test_store_contract.py does).
"""

import functools
import importlib
import inspect
import sys
import types
from contextlib import contextmanager
from pathlib import Path

import django
import pytest
from django.apps import apps

from denylist import revocation
from denylist.entries import Query
from sessions_demo.backends import cached_db, db
from tests.sessions_demo.django_suite_departures import DEPARTURES
from tests.support.suite import IN_CI

UPSTREAM_TESTS = Path(__file__).resolve().parents[2] / ".upstream" / f"django-{django.__version__}" / "tests"

if not (UPSTREAM_TESTS / "sessions_tests" / "tests.py").is_file():
    _reason = (f"Django {django.__version__}'s test suite is not unpacked at {UPSTREAM_TESTS} "
               "(run .ci/upstream-suites)")
    if IN_CI:
        pytest.fail(_reason, pytrace=False)
    pytest.skip(_reason, allow_module_level=True)


class _NotInstalled:
    """Stands in for a model of an app Token Lab does not install; no test run here touches it."""

    def __init__(self, name: str):
        self.name = name

    def __getattr__(self, attribute):
        raise RuntimeError(f"{self.name} is a stand-in: its app is not installed in Token Lab")


@contextmanager
def _stand_ins(**modules: dict[str, str]):
    """Put stand-in modules (name -> {attribute: qualified name}) in sys.modules, for one import."""
    saved = {name: sys.modules.get(name) for name in modules}
    for name, attributes in modules.items():
        module = types.ModuleType(name, "A stand-in (tests/sessions_demo/test_django_session_suite.py).")
        for attribute, qualified in attributes.items():
            setattr(module, attribute, _NotInstalled(qualified))
        sys.modules[name] = module
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def _import_upstream() -> types.ModuleType:
    if str(UPSTREAM_TESTS) not in sys.path:
        sys.path.append(str(UPSTREAM_TESTS))
    if "sessions_tests.tests" in sys.modules:
        return sys.modules["sessions_tests.tests"]
    stand_ins = {"sessions_tests.models": {"SessionStore": "sessions_tests.models.SessionStore"}}
    if not apps.is_installed("django.contrib.sessions"):
        stand_ins["django.contrib.sessions.models"] = {"Session": "django.contrib.sessions.models.Session"}
    with _stand_ins(**stand_ins):
        return importlib.import_module("sessions_tests.tests")


upstream = _import_upstream()


def _departing(store: str):
    """Class decorator: mark the tests DEPARTURES lists for `store` xfail(strict=True), with their reason."""
    def mark(cls):
        for name, departure in DEPARTURES.items():
            if store not in departure.stores:
                continue
            test = getattr(cls, name)  # AttributeError: the list names a test Django no longer has
            if inspect.iscoroutinefunction(test):
                @functools.wraps(test)
                async def marked(self, _test=test):
                    return await _test(self)
            else:
                @functools.wraps(test)
                def marked(self, _test=test):
                    return _test(self)
            # A wrapper of its own: the mark must not reach Django's function, which the other store's class shares.
            marked.pytestmark = [pytest.mark.xfail(strict=True, reason=departure.why)]
            setattr(cls, name, marked)
        return cls
    return mark


@_departing("db")
class TestTokenLabDatabaseSessions(upstream.DatabaseSessionTests):
    """Django's DatabaseSessionTests (SessionTestsMixin and the db store's own tests) over sessions_demo.backends.db."""

    backend = db.SessionStore
    session_engine = "sessions_demo.backends.db"


@_departing("cached_db")
@pytest.mark.usefixtures("own_redis")
class TestTokenLabCachedDBSessions(upstream.CacheDBSessionTests):
    """Django's CacheDBSessionTests (SessionTestsMixin and cached_db's own tests) over sessions_demo.backends.cached_db,
    with Redis in front (a private redis-server, whose revocation copy is also the revocation store's)."""

    backend = cached_db.SessionStore

    def setUp(self):
        # The steady state: the revocation store's Redis copy holds a lease, so the revocation check that guards
        # every cached copy costs no query (test_exists_searches_cache_first counts them). A copy without a lease
        # asks the database, as it must.
        revocation.get_backend().is_revoked(Query(session="0" * 32))
        super().setUp()
