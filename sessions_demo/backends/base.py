"""The contract every Token Lab session store implements, on top of Django's `SessionBase`.

Django's session stores only load, save and delete one session by its key. Token Lab's session door also needs,
from whatever store `SESSION_ENGINE` names:
- `user_sessions(user_id=...)`: the user's live sessions, as rows with a public digest (never the key), device,
  address and times — what the devices page, the logins API and the console list;
- `end_sessions(keys, user_id=..., reason=...)`: end sessions for good, on every worker, at their next request —
  including a copy of the session data cached in front of the store (a cached copy must never bring an ended
  session back, whatever the cache did meanwhile);
- sessions that end with the user's credentials: every session of a user ends when a password change, a
  deactivation or a deletion ends the user's credentials (sessions_demo.receivers). That is what lets the session
  door skip Django's per-request user load and session-hash check (sessions_demo.authentication).

tests/sessions_demo/test_store_contract.py runs the contract against every implementation. `sessions_demo.checks`
refuses a `SESSION_ENGINE` whose store does not implement it (a stock Django engine cannot list or end a user's
sessions, so log-out-everywhere could not end them).
"""

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.utils.module_loading import import_string


class UserSessionStore(SessionBase):
    """A session store whose sessions know their user (see the module docstring for the contract)."""

    @classmethod
    def user_sessions(cls, *, user_id: int) -> QuerySet:
        """Return the user's live sessions (rows with `digest`, `user_agent`, `ip`, `created`, `last_seen`,
        `session_key` for the store's own use), most recently seen first."""
        raise NotImplementedError("subclasses of UserSessionStore must provide a user_sessions() method")

    @classmethod
    def end_sessions(cls, session_keys: list[str], *, user_id: int | None = None, reason: str = "") -> None:
        """End these sessions for good: the next request presenting one is anonymous, on every worker."""
        raise NotImplementedError("subclasses of UserSessionStore must provide an end_sessions() method")


def engine_store() -> type[SessionBase]:
    """Return the `SessionStore` class of the configured `SESSION_ENGINE`, whatever engine it is.

    Resolved when called, never at import: tests and the benchmark switch engines with `override_settings`.
    """
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def user_session_store() -> type[UserSessionStore]:
    """Return the configured store class, which must implement the contract; raise TypeError otherwise."""
    store = engine_store()
    if not (isinstance(store, type) and issubclass(store, UserSessionStore)):
        raise TypeError(f"SESSION_ENGINE {settings.SESSION_ENGINE!r} does not implement Token Lab's session store "
                        "contract (sessions_demo.backends.base.UserSessionStore).")
    return store


def implements_contract(session: SessionBase | None) -> bool:
    """Tell whether a session object comes from a store that implements the contract."""
    return isinstance(session, UserSessionStore)
