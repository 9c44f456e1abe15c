"""The user behind a verified access token, loaded from the database only if a view needs more than its id."""

from accounts.principal import LazyUser


class TokenUser(LazyUser):
    """The user named by a verified access token's `sub` (see accounts.principal.LazyUser)."""
