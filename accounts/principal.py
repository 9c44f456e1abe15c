"""A user known by id, loaded from the database only if a view needs more than the id (both doors use it)."""

from django.contrib.auth import get_user_model

from httpkit.refusals import CallerRefused


class UserGone(CallerRefused):
    """The user a verified credential names is gone or inactive (its credential has been ended already)."""

    default_detail = "User not found or inactive."
    default_code = "user_not_found"


class LazyUser:
    """Stand in for the user a verified credential names.

    `pk`/`id` come from the credential (a token's `sub`, a session's user id), so checking it and listing the
    caller's notes cost no user query. Any other attribute (`is_staff`, `username`, ...) loads the user row once:
    authorization always reads the database, never a value that may have gone stale since the credential was
    issued. A row that is gone or inactive raises UserGone, which the API answers as a failed authentication —
    though by then the credential has been ended already (accounts.models ends every credential of a user who is
    deactivated or deleted).
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user_id: int):
        self.pk = self.id = user_id
        self._user = None

    def load(self):
        """Return the user row (one query, then cached), or raise UserGone if it is gone or inactive."""
        if self._user is None:
            user = get_user_model().objects.filter(pk=self.pk, is_active=True).first()
            if user is None:
                raise UserGone()
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
