"""End the user's sessions whenever the account services revoke all of the user's credentials, and refuse a
login that raced such a revocation."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver

from accounts.signals import credentials_revoked
from sessions_demo.backends.base import implements_contract
from sessions_demo.services import session_end_all


@receiver(credentials_revoked)
def end_sessions_of_user(sender, user, reason, **kwargs):
    session_end_all(user_id=user.pk, reason=reason)


@receiver(user_logged_in)
def bind_session_to_account_state(sender, request, user, **kwargs):
    """Refuse a new session whose password check raced a password change, deactivation or deletion.

    This is what Django's per-request session-hash check would otherwise catch, and what lets the session door
    skip loading the user row on every request (sessions_demo.authentication). The race: a login checks the old
    password; the change commits and ends every session row it can see; the login then stores its session,
    after that sweep, under the old password. So the session row is saved now (naming its user), and only then
    is the account read, locked: a change that commits later sees the row and ends it; a change that committed
    earlier (or holds the lock now, and is waited for) shows as a different password hash or an inactive or
    missing account, and the new session is flushed before it is ever sent.
    """
    session = getattr(request, "session", None)
    if not implements_contract(session):
        return
    session.save()
    with transaction.atomic():
        current = (get_user_model()._base_manager.select_for_update().filter(pk=user.pk)
                   .values_list("password", "is_active").first())
    if current is None or current != (user.password, True):
        session.flush()
