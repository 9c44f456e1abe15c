"""The console's actions on one user, as a table: name → permission, confirmation, what it acts on, service call.

The user page (console.views.user_view) looks an action up here, checks its permission, finds its target (a
stale or forged form is refused before anything is asked or changed), answers with a confirmation page when the
action cannot be undone, and otherwise calls the service.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages

from accounts import logins
from console import services as console_services

VIEW = "accounts.view_user"
CHANGE = "accounts.change_user"


class Refused(Exception):
    """An action that cannot be taken on this user; the message says why, and nothing changed."""

    def __init__(self, message: str, level: int = messages.ERROR):
        super().__init__(message)
        self.message, self.level = message, level


@dataclass(frozen=True)
class UserAction:
    """One action of the user page: who may take it, what it asks first, what it acts on, and what it calls.

    `target(request, user)` returns what the action acts on (raising Refused when there is nothing to act on, so
    that a stale or forged form changes nothing and asks nothing); `confirm` is the confirmation page's title
    ({username} filled in), empty for an action that can be undone; `run(request, user, target)` calls the
    service and returns the message shown after it.
    """

    permission: str
    run: Callable[..., str]
    target: Callable[..., Any] = lambda request, user: user
    confirm: str = ""
    consequence: str = ""
    describe: Callable[..., str] = lambda target: target.get_username()


def _live_login(field: str, prefix: str, missing: str) -> Callable[..., logins.Login]:
    def target(request, user) -> logins.Login:
        login = logins.login_get(user_id=user.pk, login_id=f"{prefix}-{request.POST.get(field, '')}")
        if login is None or not login.state.is_live:
            raise Refused(missing, messages.WARNING)
        return login
    return target


def _not_yourself(request, user):
    if user.pk == request.user.pk:
        raise Refused("You cannot suspend your own account.")
    return user


def _login_end(request, user, login: logins.Login) -> str:
    if console_services.login_end(user=user, login_id=login.id, admin=request.user) is None:
        raise Refused("That login had already ended.", messages.WARNING)
    return "Session ended." if login.kind == "session" else "Every token of that login has been revoked."


def _log_out_everywhere(request, user, _target) -> str:
    console_services.user_log_out_everywhere(user=user, admin=request.user)
    return "Logged out everywhere: every session and token has ended."


def _suspend(request, user, _target) -> str:
    console_services.user_suspend(user=user, admin=request.user)
    return "Account suspended; every session and token has ended."


def _reactivate(request, user, _target) -> str:
    console_services.user_reactivate(user=user, admin=request.user)
    return "Account reactivated. Credentials ended earlier stay dead."


def login_described(login: logins.Login, username: str = "") -> str:
    """Return one line naming a login for a confirmation page: whose (if `username`), which device and address,
    when it began."""
    line = f"{login.device}, {login.ip or 'unknown address'}, {login.kind} login started {login.created:%Y-%m-%d %H:%M}"
    return f"{username}: {line}" if username else line


ENDS_ONE = ("It stops working on its next request, on every server; the user's other sessions and tokens "
            "keep working. This cannot be undone: the user signs in again.")

USER_ACTIONS: dict[str, UserAction] = {
    "end_session": UserAction(
        CHANGE, _login_end, target=_live_login("session", "s", "No such session (it may have ended already)."),
        confirm="End this session of {username}?", consequence=ENDS_ONE,
        describe=login_described),
    "revoke_family": UserAction(
        CHANGE, _login_end, target=_live_login("family", "t", "No such login."),
        confirm="Revoke this token login of {username}?",
        consequence="Its access and refresh tokens stop working on their next request, on every server; the "
                    "user's other sessions and tokens keep working. This cannot be undone: the user signs in again.",
        describe=login_described),
    "log_out_everywhere": UserAction(
        CHANGE, _log_out_everywhere, confirm="Log {username} out everywhere?",
        consequence="Every session and every token of this account stops working on its next request."),
    "suspend": UserAction(
        CHANGE, _suspend, target=_not_yourself, confirm="Suspend {username}?",
        consequence="The account can no longer log in, and every session and token of it stops working on its "
                    "next request. Reactivating later revives none of them."),
    "reactivate": UserAction(CHANGE, _reactivate),
}
