"""Tell a browser whose session was ended from elsewhere why: the login page's "you were logged out because ...".

A session that ends leaves nothing in the browser to explain it: its row is gone and the next request is simply
anonymous. So at login the session door also leaves a small signed *login mark* cookie — the user's id, the
session's public digest and the login's instant, nothing secret (HttpOnly, `Path=/session/`). When the login page
later sees the mark without a live session, it looks up why, in this order:

1. the history of ends (`accounts.LoginEnd`): this session's own end (a devices page, an administrator — named),
   or a cut-off of every login of the user after this one began (password changed, suspended, deleted, "log out
   everywhere"), whichever door or admin page did it;
2. the revocation store (`denylist.revocation`): the user's cut-off after the login, or this session's own entry
   (written when Redis caches sessions);
3. an auth event ending sessions of this user after the login.

A logout the user asked for clears the mark: there is nothing to explain.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db.models import Q

from accounts.models import AuthEvent, LoginEnd
from denylist import revocation
from denylist.clock import ms_datetime
from denylist.reasons import Reason
from sessions_demo.models import DeviceSession, session_digest

MARK_COOKIE = "tokenlab_login"
_SALT = "tokenlab.session-login-mark"

@dataclass(frozen=True)
class SessionEnding:
    """Why and when the browser's last session ended."""

    reason: str
    at: datetime | None
    by: str = ""

    @property
    def text(self) -> str:
        """Return why, as a sentence to the user ("your account was suspended"): the reason's `because`.

        The user is told that an administrator acted, never which one: an administrator's username is an account
        name on this site, not something to hand to whoever holds the browser."""
        reason = Reason.parse(self.reason)
        because = reason.because if reason else "this session was ended on the server"
        if self.by and reason is not Reason.ADMIN:
            return f"an administrator ended it: {because}"
        return because


def login_mark_set(response, *, request, user) -> None:
    """Leave the login mark of the session `request` has just logged `user` into."""
    key = request.session.session_key
    if not key:
        return
    value = signing.dumps({"u": user.pk, "d": session_digest(key), "t": revocation.now_ms()}, salt=_SALT,
                          compress=True)
    response.set_cookie(MARK_COOKIE, value, max_age=settings.SESSION_COOKIE_AGE, path="/session/", httponly=True,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def login_mark_clear(response) -> None:
    response.delete_cookie(MARK_COOKIE, path="/session/", samesite="Lax")


def session_ending(request) -> SessionEnding | None:
    """Return why the browser's last session ended, or None (no mark, still signed in, or nothing recorded)."""
    if request.user.is_authenticated:
        return None
    try:
        mark = signing.loads(request.COOKIES.get(MARK_COOKIE, ""), salt=_SALT, max_age=settings.SESSION_COOKIE_AGE)
        user_id, digest, login_ms = int(mark["u"]), str(mark["d"]), int(mark["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    login_at = ms_datetime(login_ms)
    end = LoginEnd.objects.filter(user_id=user_id).filter(Q(login=f"s-{digest}") | Q(login="", cutoff__gt=login_at)) \
        .order_by("-created", "-id").values_list("reason", "created", "by_username").first()
    if end is not None:
        return SessionEnding(end[0], end[1], end[2])
    cutoff = revocation.user_cutoff_ending(user_id, after_ms=login_ms)
    if cutoff is not None:
        return SessionEnding(cutoff.reason, cutoff.at)
    own = revocation.session_ending(digest)
    if own is not None:
        return SessionEnding(own.reason or Reason.REVOKED, own.at)
    if DeviceSession.objects.filter(digest=digest).exists():
        return None  # the session lives on: the browser has merely lost its cookie
    event = AuthEvent.objects.filter(user_id=user_id, kind=AuthEvent.Kind.SESSION_REVOKED,
                                     created__gt=login_at) \
        .order_by("-created").values_list("door", "created").first()
    if event is not None:
        return SessionEnding(Reason.ADMIN if event[0] == "admin" else Reason.REVOKED, event[1])
    return None
