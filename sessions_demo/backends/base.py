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

Django's async session API (`aload`, `asave`, `acreate`, `adelete`, `aexists`, `aflush`, `acycle_key`,
`aclear_expired`) does exactly what its sync twin does on every store: `UserSessionStore` runs the sync method in a
worker thread (see the class docstring). tests/sessions_demo/test_store_async.py runs the contract through it, and
tests/sessions_demo/test_django_session_suite.py runs Django's own session tests, sync and async, over both stores.
"""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.utils.module_loading import import_string


class UserSessionStore(SessionBase):
    """A session store whose sessions know their user (see the module docstring for the contract).

    Its async API is its sync API, run by `sync_to_async` (thread-sensitive: the thread Django's own `asave` runs
    its transaction in). Django's database store implements its async methods natively, each repeating the sync
    logic; a Token Lab store overrides the sync methods only (the row's digest, user and device, the Redis copy, the
    revocation record, UpdateError for an ended session, the key validation), so an inherited native async method
    would bypass all of it: `acreate()` looped forever on the empty unique digest, `asave()` detached a logged-in
    row from its user (which log-out-everywhere, a password change or a deactivation would then not end), and
    `adelete()` on the cached store left the Redis copy serving the user. One implementation cannot drift from its
    twin. The in-memory async methods Django's `SessionBase` defines (`aget`, `aset`, `apop`, `aget_expiry_age` ...)
    reach storage only through the methods below, so they honour the store too.
    """

    async def aload(self):
        """See load()."""
        return await sync_to_async(self.load)()

    async def aexists(self, session_key):
        """See exists()."""
        return await sync_to_async(self.exists)(session_key)

    async def acreate(self):
        """See create()."""
        return await sync_to_async(self.create)()

    async def asave(self, must_create=False):
        """See save()."""
        return await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        """See delete()."""
        return await sync_to_async(self.delete)(session_key)

    async def aflush(self):
        """See flush()."""
        return await sync_to_async(self.flush)()

    async def acycle_key(self):
        """See cycle_key()."""
        return await sync_to_async(self.cycle_key)()

    @classmethod
    async def aclear_expired(cls):
        """See clear_expired()."""
        return await sync_to_async(cls.clear_expired)()

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
