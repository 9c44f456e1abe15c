"""Admitting a login: the one rule, for every door, that a login overlapping a change of the account gets nothing
that outlives the change.

The threat (issue 16): a thief logs in with the old password a moment before the owner changes it (or the account
is suspended, or its owner logs out everywhere). The password check reads the old hash and succeeds; the change
commits and ends every credential it can see; the login then issues its credential after that sweep, dated after
the cut-off — a token pair whose refresh token rotates for `REFRESH_ABSOLUTE_LIFETIME`, or a session row that the
sweep never saw.

The rule. A credential's *login instant* is the moment its password check began: `accounts.backends` records it on
the user object it returns, taken before the user row is read, with the hash the check succeeded against (after any
rehash). A login made without a password check (`force_login`, a password change's fresh credential, a seed command)
has none: its instant is its issue time, and the hash is the one on the user object it was given. Before a login's
credential can be used, `login_admit()` reads the account under its row lock — which waits for a concurrent password
change, deactivation, deletion or log-out-everywhere to commit, since every one of them locks that row first — and
refuses the login when the account is gone or inactive, when its password hash is no longer the one the check
succeeded against, or when the user's cut-off in the revocation store is later than the login instant. A login whose
check began at or after the cut-off is admitted, and its credentials live.

Where it is called: inside the transaction that issues the credential (the JWT door's token family, stamped with
the login instant as `auth_time`), or — for a session, which the sweep ends by its row — once the session row names
its user, so that a change committing after the admission sees the row and ends it.
"""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.crypto import constant_time_compare

from denylist import revocation

logger = logging.getLogger("tokenlab.accounts")

# Set by accounts.backends.ThrottledModelBackend on the user object a successful password check returns.
_CHECK_ATTRIBUTE = "_tokenlab_password_check"


@dataclass(frozen=True)
class PasswordCheck:
    """A successful password check: when it began (Unix ms, `denylist.revocation.now_ms`) and the hash it passed."""

    started_ms: int
    password_hash: str


class LoginRefused(Exception):
    """The login overlapped a change of the account (or the account is gone): nothing may be issued.

    Answer it as a wrong password (the generic 401, or the login form's generic error): the client learns nothing
    it could not learn by guessing.
    """


def password_check_record(user, *, started_ms: int) -> None:
    """Record on `user` that its password check began at `started_ms` and succeeded against `user.password`."""
    setattr(user, _CHECK_ATTRIBUTE, PasswordCheck(started_ms=started_ms, password_hash=user.password))


def password_check_of(user) -> PasswordCheck | None:
    """Return the password check recorded on `user`, or None for a user object no check returned."""
    check = getattr(user, _CHECK_ATTRIBUTE, None)
    return check if isinstance(check, PasswordCheck) else None


def login_instant(user, *, issued_at_ms: int | None = None) -> int:
    """Return the login instant (Unix ms) of a login of `user`: when its password check began, or — for a login
    made without one — `issued_at_ms`, the caller's issue time (now when None)."""
    check = password_check_of(user)
    if check is not None:
        return check.started_ms
    return revocation.now_ms() if issued_at_ms is None else issued_at_ms


def login_admit(*, user, at_ms: int) -> None:
    """Admit a login of `user` whose login instant is `at_ms`, or raise LoginRefused (see the module docstring).

    Lock the user's row for the current transaction (one is opened when there is none): call it inside the
    transaction that issues the credential, so that the lock is held until the credential is committed. Two
    queries: the locked user row, then the user's cut-off, read from the database (the source of truth) once the
    lock is granted.
    """
    check = password_check_of(user)
    with transaction.atomic(savepoint=False):
        row = (get_user_model()._base_manager.select_for_update().filter(pk=user.pk)
               .values_list("password", "is_active").first())
        if row is None or not row[1]:
            reason = "the account is gone or inactive"
        elif not constant_time_compare(row[0], check.password_hash if check is not None else user.password):
            reason = "the password changed during the check"
        else:
            cutoff = revocation.user_cutoff_ms(user.pk)
            if cutoff is None or cutoff <= at_ms:
                return
            reason = "the user's credentials were ended during the check"
    logger.info("Login of user %s refused: %s.", user.pk, reason)
    raise LoginRefused(reason)
