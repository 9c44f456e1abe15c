"""The user behind a verified access token, loaded from the database only if a view needs more than its id."""

from django.contrib.auth import get_user_model
from rest_framework.exceptions import AuthenticationFailed


class TokenUser:
    """Stand in for the user named by a token's `sub`.

    `pk`/`id` come from the verified token, so checking a token and listing the caller's notes cost no user
    query. Any other attribute (`is_staff`, `username`, ...) loads the user row once: authorization always
    reads the database, never a claim that may have gone stale since the token was issued.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user_id: int):
        self.pk = self.id = user_id
        self._user = None

    def load(self):
        """Return the user row (one query, then cached), or raise AuthenticationFailed if it is gone or inactive."""
        if self._user is None:
            user = get_user_model().objects.filter(pk=self.pk, is_active=True).first()
            if user is None:
                raise AuthenticationFailed("User not found or inactive.", code="user_not_found")
            self._user = user
        return self._user

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_user":
            raise AttributeError(name)
        return getattr(self.load(), name)

    def __eq__(self, other) -> bool:
        return getattr(other, "pk", None) == self.pk and getattr(other, "is_authenticated", False)

    def __hash__(self) -> int:
        return hash(self.pk)

    def __str__(self) -> str:
        return f"user {self.pk}"
