"""End one login: the door ends it, the history of ends and the auth-event log record it, in one transaction."""

from dataclasses import replace

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.logins.selectors import login_get
from accounts.logins.sources import Login, login_id_parse
from accounts.logins.state import ENDED, LoginState
from accounts.models import AuthEvent, LoginEnd, User, current_admin
from accounts.services import auth_event_record


def login_end(*, user_id: int, login_id: object, reason: str, by: User | None = None, request=None,
              user: User | None = None, door: str | None = None, ip: str | None = None,
              event_kind: str = AuthEvent.Kind.LOGIN_ENDED) -> Login | None:
    """End the user's live login `login_id` at once; return it, now ended (`current` tells whether it was the
    one `request` came with), or None when the user has no such live login.

    `reason` is a `denylist.reasons.Reason`; `by` the administrator acting (default: the one `acting_admin`
    names). The end is recorded twice, here and
    nowhere else: in the history of ends (`LoginEnd`, which pages read for when, why and by whom) and as an auth
    event of `event_kind` — LOGIN_ENDED, or SESSION_REVOKED where a page has always filed a session's end so —
    made through `door` (default: "admin" for an administrator, else the login's own door) from `ip`. `user` is
    the account (`user_id`'s) when the caller holds it; otherwise it is read for the event.
    """
    login = login_get(user_id=user_id, login_id=login_id, request=request)
    if login is None or not login.state.is_live:
        return None
    source, key = login_id_parse(login_id)
    by = by if by is not None else current_admin()
    with transaction.atomic():
        if not source.end(user_id=user_id, key=key, reason=reason):
            return None
        LoginEnd.record(user_id=user_id, login=login.id, reason=reason, by=by)
        if user is None or user.pk != user_id:
            user = get_user_model()._base_manager.filter(pk=user_id).first()
        who = by.get_username() if by is not None else "its user"
        auth_event_record(kind=event_kind, user=user, door=door or ("admin" if by is not None else login.door),
                          ip=ip, detail=f"{login.kind} login {login.id[:10]} ended by {who}")
    return replace(login, state=LoginState(ENDED, timezone.now(), reason, by.get_username() if by else ""))
