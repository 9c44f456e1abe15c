"""The console's actions: each ends what it ends in one transaction, named for the administrator acting.

The auth events record the administrator's address and device when the caller sets them
(`accounts.models.acting_from`). One transaction, so that with Redis unreachable the revocations of one action
share one lease wait (denylist.waits) rather than one each; rows are taken in primary-key order, so that two
administrators acting on overlapping selections lock them in the same order.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import logins, services
from accounts.models import AuthEvent, User, acting_admin
from denylist.reasons import Reason


@transaction.atomic
def login_end(*, user: User, login_id: str, admin: User) -> logins.Login | None:
    """End the user's live login `login_id` for `admin`, recording SESSION_REVOKED (a session) or LOGIN_ENDED
    (a token login) naming `admin`; return it, ended, or None when the user has no such live login."""
    kind = AuthEvent.Kind.SESSION_REVOKED if login_id.startswith("s-") else AuthEvent.Kind.LOGIN_ENDED
    return logins.login_end(user_id=user.pk, user=user, login_id=login_id, reason=Reason.ADMIN, by=admin,
                            event_kind=kind)


def user_log_out_everywhere(*, user: User, admin: User) -> None:
    """End every session and token of `user`, for `admin` (the auth event and the record of the end name it)."""
    with acting_admin(admin):
        services.user_log_out_everywhere(user=user, door="admin")


def user_suspend(*, user: User, admin: User) -> None:
    """Suspend `user` for `admin`, ending every credential of it. The caller refuses an administrator's own account."""
    with acting_admin(admin):
        services.user_suspend(user=user, door="admin")


def user_reactivate(*, user: User, admin: User) -> None:
    """Let `user` log in again, for `admin`; credentials ended earlier stay dead."""
    with acting_admin(admin):
        services.user_reactivate(user=user, door="admin")


@transaction.atomic
def logins_end(*, chosen: Iterable[tuple[int, str]], admin: User) -> int:
    """End each `(user id, public login id)` that is still live, as `admin` (`login_end` records the LOGIN_ENDED
    event naming them); return how many ended (a login that ended meanwhile, or is not that user's, is skipped)."""
    chosen = sorted(set(chosen))
    users = get_user_model().objects.in_bulk({user_id for user_id, _login_id in chosen})
    ended = 0
    for user_id, login_id in chosen:
        login = logins.login_end(user_id=user_id, user=users.get(user_id), login_id=login_id, reason=Reason.ADMIN,
                                 by=admin)
        if login is not None:
            ended += 1
    return ended


@transaction.atomic
def users_log_out_everywhere(*, users, admin: User) -> int:
    """Log each of `users` (a queryset) out everywhere; return how many."""
    done = 0
    with acting_admin(admin):  # the auth events and the records of the ends name the administrator
        for user in users.order_by("pk"):
            services.user_log_out_everywhere(user=user, door="admin")
            done += 1
    return done


@transaction.atomic
def users_suspend(*, users, admin: User) -> int:
    """Suspend each of `users` (a queryset) but `admin` itself, ending every credential of each; return how many."""
    done = 0
    with acting_admin(admin):
        for user in users.exclude(pk=admin.pk).order_by("pk"):
            services.user_suspend(user=user, door="admin")
            done += 1
    return done
