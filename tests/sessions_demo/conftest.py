"""The `store` fixture: each test that takes it runs once per Token Lab session store."""

import pytest

from sessions_demo.backends.base import user_session_store
from tests.support.session_stores import STORES


@pytest.fixture(params=sorted(STORES))
def store(request, settings):
    """The configured store class, `SESSION_ENGINE` set to it (cached_db with its private Redis)."""
    engine, needs = STORES[request.param]
    if needs:
        request.getfixturevalue(needs)
    settings.SESSION_ENGINE = engine
    return user_session_store()
