"""Token Lab's authentication backend: Django's ModelBackend behind the login throttle, one auth event per check."""

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend

from accounts.admission import password_check_record
from accounts.models import AuthEvent
from accounts.services import auth_event_record
from accounts.throttling import LoginThrottled, OldPasswordThrottled, login_throttle
from denylist import revocation
from httpkit.network import client_ip
from httpkit.network import user_agent as request_user_agent

LOGIN = "login"
OLD_PASSWORD = "old_password"


class ThrottledModelBackend(ModelBackend):
    """Check a password as ModelBackend does, behind the login throttle, and record the check as an auth event.

    Django's authenticate() hands every password check to the configured backends, and this is the only one
    (AUTHENTICATION_BACKENDS): the two doors' logins, the hybrid login, /admin/login/ (Django's
    AuthenticationForm) and the old_password of both password changes all come through here, so no path —
    today's or one added later — can guess a password past the throttle (OWASP ASVS V6.3, brute force).

    Callers without a request (the services) pass `door`, `ip` and `user_agent`; with a request (Django's own
    forms) they are read from it, the door being the URL namespace (`admin`). `purpose` is `login` (a success
    is recorded as LOGIN) or `old_password` (a logged-in user's password checked again: the failures are
    recorded, with that detail).

    The returned user carries the login instant (accounts.admission): when this check began, taken before the user
    row is read, and the hash the check succeeded against (after any rehash). A login is admitted against them, so
    that one whose check overlapped a password change, a deactivation or a log-out-everywhere gets nothing.

    Return the user, or None for a wrong password and an unknown or inactive user alike (ModelBackend hashes in
    every case: no enumeration by timing). Raise LoginThrottled, having hashed nothing, when the account or the
    address has used up its failed checks — an exception, not None, so that callers can answer 429 — in a password
    change's words (OldPasswordThrottled, a LoginThrottled) when `purpose` is `old_password`.
    """

    def authenticate(self, request, username=None, password=None, *, door=None, ip=None, user_agent=None,
                     purpose=LOGIN, **kwargs):
        if username is None or password is None:
            return None
        if request is not None:
            ip = client_ip(request) if ip is None else ip
            user_agent = request_user_agent(request) if user_agent is None else user_agent
            match = getattr(request, "resolver_match", None)
            door = (match.namespace if match else "") if door is None else door
        event = {"username": username, "door": door or "", "ip": ip, "user_agent": user_agent or "",
                 "detail": "" if purpose == LOGIN else purpose}
        try:
            reservation = login_throttle.reserve(username=username, ip=ip)
        except LoginThrottled as exc:
            auth_event_record(kind=AuthEvent.Kind.LOGIN_THROTTLED, **event)
            if purpose == OLD_PASSWORD:
                raise OldPasswordThrottled(exc.wait) from None
            raise
        # Before the row is read: a change committing from here on is one this check overlapped.
        started_ms = revocation.now_ms()
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # The slots stay taken: this failure counts against the account and the address.
            auth_event_record(kind=AuthEvent.Kind.LOGIN_FAILED, **event)
            return None
        # Successful checks never count, so a room behind one address can log in. If anything above raised
        # (a database error mid-check), the slots stay taken too: the throttle fails closed.
        login_throttle.give_back(reservation)
        password_check_record(user, started_ms=started_ms)
        if purpose == LOGIN:
            auth_event_record(kind=AuthEvent.Kind.LOGIN, user=user, **event)
        return user

    async def aauthenticate(self, request, username=None, password=None, **kwargs):
        """The same check for Django's async `aauthenticate()`: ModelBackend's own async twin would check the
        password past the throttle, the auth-event log and the login instant."""
        return await sync_to_async(self.authenticate)(request, username=username, password=password, **kwargs)
