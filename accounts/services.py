"""Account services: the writes both doors and the admin share. Thin views call these; nothing here knows HTTP."""

import logging
from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuthEvent, LoginEnd, User, acting_admin_note, acting_door, credentials_end
from denylist.reasons import Reason

logger = logging.getLogger(__name__)


def auth_event_record(
    *, kind: str, user: User | None = None, username: str = "", door: str = "", ip: str | None = None,
    user_agent: str = "", detail: str = "",
) -> AuthEvent:
    """Append one event to the auth-event log."""
    return AuthEvent.objects.create(
        kind=kind, user=user, username=(username or (user.get_username() if user else ""))[:150], door=door,
        ip=ip, user_agent=user_agent[:300], detail=(detail or acting_admin_note())[:300],
    )


def user_authenticate(*, username: str, password: str, door: str, ip: str | None, user_agent: str = "") -> User | None:
    """Check a username and password; return the user, or None for a wrong password or unknown user alike.

    Raise accounts.throttling.LoginThrottled before checking anything when the account or the address has used
    up its failed checks. The throttle and the auth event (LOGIN, LOGIN_FAILED, LOGIN_THROTTLED) are the work
    of accounts.backends.ThrottledModelBackend, which every authenticate() call goes through. Django's
    ModelBackend hashes the password even for an unknown username, so both failures take comparable time (no
    user enumeration by timing). Inactive (suspended) users cannot log in.
    """
    return authenticate(None, username=username, password=password, door=door, ip=ip, user_agent=user_agent)


@transaction.atomic
def user_log_out_everywhere(*, user: User, door: str = "") -> None:
    """End every session and every token of `user` issued before now, on every worker, at the next request.

    The user's row is locked first, as a password change, a deactivation and a deletion lock it: a login being
    admitted meanwhile (accounts.admission) either commits first, and its credential is among those ended here, or
    waits for this cut-off to commit and sees it.
    """
    get_user_model()._base_manager.select_for_update().filter(pk=user.pk).exists()
    credentials_end(user_id=user.pk, reason=Reason.LOGOUT_EVERYWHERE, user=user, door=door)


def user_password_change(*, user: User, old_password: str, new_password: str, door: str = "",
                         ip: str | None = None, user_agent: str = "") -> None:
    """Change the password after checking the old one and the validators.

    Raise django.core.exceptions.ValidationError (with field names in `error_dict`) when the old password is
    wrong or the new one is refused. Saving the new hash ends every older credential (the model does it, on
    every path). The caller issues the credential that survives (a new session or a new token pair), which is
    dated after the cut-off.

    The old password is checked through authenticate(), like a login: a wrong one counts against the account and
    the address (`ip`) and is recorded, and accounts.throttling.LoginThrottled is raised, with nothing checked,
    once they are used up — whoever holds a session or a 15-minute token must not be able to guess the password.
    """
    checked = authenticate(None, username=user.get_username(), password=old_password, door=door, ip=ip,
                           user_agent=user_agent, purpose="old_password")
    if checked is None or checked.pk != user.pk:
        raise ValidationError({"old_password": ["Your old password was entered incorrectly."]})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user.set_password(new_password)
    with acting_door(door):
        user.save(update_fields=["password"])


def user_suspend(*, user: User, door: str = "admin") -> None:
    """Deactivate the account; saving it ends all its sessions and tokens. Logins fail until reactivation."""
    user.is_active = False
    with acting_door(door):
        user.save(update_fields=["is_active"])


@transaction.atomic
def user_reactivate(*, user: User, door: str = "admin") -> None:
    """Let a suspended account log in again. Credentials ended by the suspension stay dead."""
    user.is_active = True
    user.save(update_fields=["is_active"])
    auth_event_record(kind=AuthEvent.Kind.REACTIVATED, user=user, door=door)


def auth_events_purge(*, older_than: timedelta, batch: int = 5000) -> int:
    """Delete auth events (and records of ended logins) older than `older_than`, in batches; return how many
    events went. The admin keeps the log append-only; this retention is the only way events leave it."""
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(AuthEvent.objects.filter(created__lt=cutoff).order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            break
        deleted += AuthEvent.objects.filter(id__in=ids).delete()[0]
    LoginEnd.objects.filter(created__lt=cutoff).delete()
    return deleted
