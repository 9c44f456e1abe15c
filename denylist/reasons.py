"""Why a credential ended: the one vocabulary every writer and reader of an end uses.

The revocation store records a reason with each entry, and so do the database's triggers (`denylist.triggers`),
the drop-in (`denylist.simplejwt`), Token Lab's account services and doors, and the history of ends
(`accounts.LoginEnd`). They all write a `Reason`; pages read one back with `Reason.parse`, which also reads the
spellings written before the vocabulary was one (`logout-all`, the drop-in's name for logging out everywhere).

Each reason has two wordings: its label, the short words a list of logins shows ("logged out everywhere"), and
`because`, the sentence that tells a user why they were logged out ("you logged out everywhere, which ends every
session and every token").
"""

from django.db import models


class Reason(models.TextChoices):
    """Why a credential (a token, a login, every login of a user) ended. The values are stored: never rename one."""

    LOGOUT = "logout", "logged out"
    LOGOUT_EVERYWHERE = "logout_everywhere", "logged out everywhere"
    PASSWORD_CHANGED = "password_changed", "password changed"
    SUSPENDED = "suspended", "account suspended"
    DELETED = "deleted", "account deleted"
    REUSE = "reuse", "refresh token reuse detected"
    ADMIN = "admin", "ended by an administrator"
    USER = "user", "ended by its user"
    # A session ended from a devices page, or by a caller that named no reason (the session store's default).
    REVOKED = "revoked", "ended by its user"
    EXPIRED = "expired", "expired"
    # A refresh token exchanged for its successor (the drop-in's record of use): not an end of the login.
    ROTATED = "rotated", "refresh token rotated"

    @classmethod
    def parse(cls, value: object) -> "Reason | None":
        """Return the reason `value` names, reading former spellings too; None for "" or anything unknown."""
        if not isinstance(value, str):
            return None
        value = _FORMER.get(value, value)
        return cls(value) if value in cls.values else None

    @property
    def because(self) -> str:
        """Return the sentence that tells a user why they were logged out ("your account was suspended")."""
        return _BECAUSE[self]


# Spellings written before the vocabulary was one, still found in stores and histories: read, never written.
_FORMER = {"logout-all": Reason.LOGOUT_EVERYWHERE.value}

_BECAUSE = {
    Reason.LOGOUT: "you logged out",
    Reason.LOGOUT_EVERYWHERE: "you logged out everywhere, which ends every session and every token",
    Reason.PASSWORD_CHANGED: "your password was changed, which ends every session and every token",
    Reason.SUSPENDED: "your account was suspended",
    Reason.DELETED: "your account was deleted",
    Reason.REUSE: "a refresh token of this login was used twice, which ends the login",
    Reason.ADMIN: "an administrator ended this session",
    Reason.USER: "this session was ended from a devices page",
    Reason.REVOKED: "this session was ended from a devices page or by an administrator",
    Reason.EXPIRED: "this session expired",
    Reason.ROTATED: "a refresh token of this login was exchanged",
}


def reason_words(value: object, *, unknown: str = "ended") -> str:
    """Return the label of the reason `value` names (`Reason.parse`); `unknown` for "" or a reason not in the
    vocabulary (a value another program wrote is shown as written)."""
    reason = Reason.parse(value)
    if reason is not None:
        return reason.label
    return value if isinstance(value, str) and value else unknown
