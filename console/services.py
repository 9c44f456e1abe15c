"""The console's bulk actions: each ends what it ends in one transaction, named for the administrator acting.

One transaction, so that with Redis unreachable the revocations of one action share one lease wait
(denylist.waits) rather than one each; rows are taken in primary-key order, so that two administrators acting on
overlapping selections lock them in the same order.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts import logins, services
from accounts.models import User, acting_admin
from denylist.reasons import Reason


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
