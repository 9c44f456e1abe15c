"""Token Lab's user model and the auth-event log.

The user model is the one choke point for "every credential of this user dies". A new password hash or an
account turning inactive is noticed in `User.save()` (and in `UserQuerySet.update()` / `bulk_update()`), and a
deletion in a `pre_delete` receiver, so every path that changes an account — the doors' services, the admin's
forms, `manage.py changepassword`, `set_password()` + `save()` in a shell, a data migration — ends the user's
sessions and tokens the same way, once, inside the same transaction as the change itself.
"""

import contextlib
import contextvars
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import acheck_password, check_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.signals import credentials_revoked
from denylist import revocation

# Which door (or "admin") is changing the account, for the auth event the model records. Paths that set nothing
# (the shell, `manage.py changepassword`, the admin's change forms) are recorded with door "".
_acting_door: contextvars.ContextVar[str] = contextvars.ContextVar("tokenlab_acting_door", default="")
# Which administrator is acting, for the record of what ended (LoginEnd.by). None: the user or a shell.
_acting_admin: contextvars.ContextVar["User | None"] = contextvars.ContextVar("tokenlab_acting_admin", default=None)

REASON_PASSWORD = "password_changed"
REASON_SUSPENDED = "suspended"
REASON_DELETED = "deleted"


@contextlib.contextmanager
def acting_door(door: str):
    """Record account changes made inside this block as made through `door` (session, jwt, admin...)."""
    token = _acting_door.set(door)
    try:
        yield
    finally:
        _acting_door.reset(token)


def ms_datetime(ms: int) -> datetime:
    """Return the instant `ms` (Unix milliseconds) exactly, as an aware datetime (no float rounding)."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC) + timedelta(milliseconds=ms % 1000)


@contextlib.contextmanager
def acting_admin(admin: "User | None"):
    """Record credentials ended inside this block as ended by `admin` (LoginEnd.by)."""
    token = _acting_admin.set(admin)
    try:
        yield
    finally:
        _acting_admin.reset(token)


def current_admin() -> "User | None":
    """Return the administrator set by `acting_admin`, or None."""
    return _acting_admin.get()


def acting_admin_note() -> str:
    """Return "by <administrator>" inside `acting_admin`, else "": the detail of an auth event it causes."""
    admin = _acting_admin.get()
    return f"by {admin.get_username()}"[:300] if admin is not None else ""


def credentials_end(*, user_id: int, reason: str, user: "User | None" = None) -> int:
    """End every session and token of the user issued before now; return the cut-off (Unix ms).

    Records the user cut-off in the revocation store (tokens of every login that began before it die, however
    late they were minted), then sends `credentials_revoked` so the session door ends the user's session rows.
    Call inside the transaction that makes the change: the cut-off commits with it.
    """
    cutoff = revocation.revoke_user(user_id=user_id, reason=reason)
    LoginEnd.record(user_id=user_id, login="", reason=reason, cutoff_ms=cutoff)
    credentials_revoked.send(sender=User, user=user if user is not None else User(pk=user_id), reason=reason)
    return cutoff


class UserQuerySet(models.QuerySet):
    """Bulk writes that change a password or deactivate accounts end those users' credentials too."""

    def update(self, **kwargs):
        if "password" not in kwargs and kwargs.get("is_active", True) is not False:
            return super().update(**kwargs)
        reason = REASON_PASSWORD if "password" in kwargs else REASON_SUSPENDED
        with transaction.atomic(using=self.db):
            # Lock the rows first: the set of users whose credentials end is exactly the set updated.
            ids = list(self.select_for_update().values_list("pk", flat=True))
            updated = models.QuerySet.update(self.model._base_manager.using(self.db).filter(pk__in=ids), **kwargs)
            for user_id in ids:
                credentials_end(user_id=user_id, reason=reason)
        return updated

    def delete(self):
        # Lock the rows before Django collects what cascades: logins and refresh rotations lock the user's row
        # first too (jwt_demo.services), so none can add a login or a refresh row the deletion did not see.
        with transaction.atomic(using=self.db):
            ids = list(self.select_for_update().values_list("pk", flat=True))
            return models.QuerySet.delete(self.model._base_manager.using(self.db).filter(pk__in=ids))

    def bulk_update(self, objs, fields, batch_size=None):
        if not {"password", "is_active"} & set(fields):
            return super().bulk_update(objs, fields, batch_size=batch_size)
        with transaction.atomic(using=self.db):
            for obj in objs:
                obj.save(update_fields=fields)
        return len(objs)


class TokenLabUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A Token Lab account: one account, usable through the session door and the JWT door at once.

    Saving a new password hash, or `is_active=False` over an active account, ends every credential of the user
    issued before the save (see the module docstring). Reactivating revives nothing.
    """

    objects = TokenLabUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    # Set while Django re-hashes a correct password with a stronger hasher at login: the password itself has not
    # changed, so no credential ends (else every Django upgrade would log every user out everywhere).
    _rehash_only = False

    def check_password(self, raw_password):
        def setter(raw_password):
            self.set_password(raw_password)
            self._password = None
            self._rehash_only = True
            try:
                self.save(update_fields=["password"])
            finally:
                self._rehash_only = False

        return check_password(raw_password, self.password, setter)

    async def acheck_password(self, raw_password):
        async def setter(raw_password):
            self.set_password(raw_password)
            self._password = None
            self._rehash_only = True
            try:
                await self.asave(update_fields=["password"])
            finally:
                self._rehash_only = False

        return await acheck_password(raw_password, self.password, setter)

    def delete(self, using=None, keep_parents=False):
        """Delete the account, its row locked first (see UserQuerySet.delete); every credential ends with it."""
        with transaction.atomic(using=using or self._state.db):
            type(self)._base_manager.using(using or self._state.db).select_for_update().filter(pk=self.pk).exists()
            return super().delete(using=using, keep_parents=keep_parents)

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        watched = update_fields is None or bool({"password", "is_active"} & set(update_fields))
        if self._state.adding or self.pk is None or not watched:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using") or self._state.db):
            # Compare with the row as stored, locked: an instance loaded long ago (an admin form, a shell) still
            # sees what it is really changing, and two concurrent saves cannot both miss the change.
            stored = (type(self)._base_manager.using(kwargs.get("using") or self._state.db)
                      .select_for_update().filter(pk=self.pk).values("password", "is_active").first())
            super().save(*args, **kwargs)
            if stored is None:
                return None
            reason = None
            if stored["password"] != self.password and not self._rehash_only:
                reason = REASON_PASSWORD
            elif stored["is_active"] and not self.is_active:
                reason = REASON_SUSPENDED
            if reason is not None:
                credentials_end(user_id=self.pk, reason=reason, user=self)
                AuthEvent.objects.create(
                    kind=AuthEvent.Kind.PASSWORD_CHANGED if reason == REASON_PASSWORD else AuthEvent.Kind.SUSPENDED,
                    user=self, username=self.get_username()[:150], door=_acting_door.get(),
                    detail=acting_admin_note(),
                )
        return None


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def _end_credentials_of_deleted_user(sender, instance, **kwargs):
    # Before the cascade deletes the session rows behind the store's back: a cached copy of a session
    # (cached_db) is refused only once the store has recorded it as ended. The cut-off outlives the account,
    # since its id may come back (another database restored, a sequence reset).
    credentials_end(user_id=instance.pk, reason=REASON_DELETED, user=instance)


class AuthEvent(models.Model):
    """One security-relevant event: a login, a failure, a logout, a revocation, a suspension."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Login"
        LOGIN_FAILED = "login_failed", "Login failed"
        LOGIN_THROTTLED = "login_throttled", "Login throttled"
        LOGOUT = "logout", "Logout"
        LOGOUT_EVERYWHERE = "logout_everywhere", "Logged out everywhere"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        SUSPENDED = "suspended", "Suspended"
        REACTIVATED = "reactivated", "Reactivated"
        SESSION_REVOKED = "session_revoked", "Session revoked"
        REFRESH_REUSE = "refresh_reuse", "Refresh token reuse detected"
        TOKEN_REFRESHED = "token_refreshed", "Token refreshed"
        LOGIN_ENDED = "login_ended", "Login ended"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="auth_events"
    )
    username = models.CharField(max_length=150, blank=True, help_text="As typed, for failed logins.")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    door = models.CharField(max_length=16, blank=True, help_text="session, jwt, hybrid or admin")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.kind} {self.username or self.user_id}"


class LoginEnd(models.Model):
    """The record of one end: every login of a user from before `cutoff` (`login` blank), or one login.

    Written where the end happens (`credentials_end`, which every path goes through, and `accounts.logins`), so
    that a page can tell when, why and — for an administrator's action — by whom a login ended. The revocation
    store stays the truth of *whether* a credential works; this is the history it does not keep (a user's
    cut-off entry holds only the latest instant and reason).
    """

    user_id = models.BigIntegerField(db_index=True, help_text="Not a foreign key: the record outlives the account.")
    login = models.CharField(max_length=40, blank=True, help_text="The login's public id; blank for a cut-off.")
    cutoff = models.DateTimeField(null=True, blank=True, help_text="Cut-offs: logins begun before this are ended.")
    reason = models.CharField(max_length=32, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    by_username = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["user_id", "login"])]

    def __str__(self) -> str:
        return f"{self.login or 'every login'} of {self.user_id}: {self.reason}"

    @classmethod
    def record(cls, *, user_id: int, login: str, reason: str, cutoff_ms: int | None = None,
               by: "User | None" = None) -> "LoginEnd":
        """Append one record; `by` defaults to the administrator set by `acting_admin`."""
        by = by if by is not None else current_admin()
        cutoff = ms_datetime(cutoff_ms) if cutoff_ms is not None else None
        return cls.objects.create(user_id=user_id, login=login[:40], cutoff=cutoff, reason=reason[:32],
                                  by=by if by is not None and by.pk else None,
                                  by_username=by.get_username()[:150] if by is not None else "")
