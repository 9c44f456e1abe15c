"""The user behind a verified access token, loaded from the database only if a view needs more than its id."""

from accounts.principal import LazyUser


class TokenUser(LazyUser):
    """The user named by a verified access token's `sub` (see accounts.principal.LazyUser).

    simplejwt's `TOKEN_USER_CLASS` contract: built from the validated token (`TokenUser(token)`); a user id is
    taken too, for callers that hold only that (service B, the benchmark).
    """

    def __init__(self, token):
        super().__init__(token if isinstance(token, int) else token.claims.user_id)
