"""The user behind a live session, loaded from the database only if a view needs more than its id."""

from accounts.principal import LazyUser


class SessionUser(LazyUser):
    """The user a session is logged in as; the store has just checked the session against the revocation store
    (see accounts.principal.LazyUser)."""
