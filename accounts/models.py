"""Token Lab's user model and the auth-event log.

"Every credential of this user dies" when the password hash changes, the account turns inactive, or it is
deleted. The last word is the database's: triggers on the user table (`denylist.triggers`, installed on the table
of AUTH_USER_MODEL by denylist's migrations, PostgreSQL and SQLite) write the user's cut-off whatever program makes
the change — raw SQL, another program, an ORM form nobody listed — and a trigger of the session door ends the
user's session rows.

The model adds what a trigger cannot: it tells the Redis copy of the revocation store at once (0 requests of
delay instead of one lease), records the auth event and the history of ends, and lets the session door end what
it keeps outside the database. It decides by comparing the row as stored before and after the write — never by
looking at the values a caller passed — on every ORM path that can change those columns: `save()` (the doors'
services, the admin's forms, `manage.py changepassword`, `set_password()` + `save()` in a shell),
`QuerySet.update()` in any form (expressions, coercions, the base manager), `bulk_update()`, the upsert of
`bulk_create(update_conflicts=True)`, and deletion.
"""

import contextlib
import contextvars

from django.conf import settings
from django.contrib.auth.hashers import acheck_password, check_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.signals import credentials_revoked
from denylist import revocation
from denylist.clock import ms_datetime
from denylist.reasons import Reason
from denylist.users import active_flag, credentials_ended_by

# Which door (or "admin") is changing the account, for the auth event the model records. Paths that set nothing
# (the shell, `manage.py changepassword`, the admin's change forms) are recorded with door "".
_acting_door: contextvars.ContextVar[str] = contextvars.ContextVar("tokenlab_acting_door", default="")
# Which administrator is acting, for the record of what ended (LoginEnd.by). None: the user or a shell.
_acting_admin: contextvars.ContextVar["User | None"] = contextvars.ContextVar("tokenlab_acting_admin", default=None)



@contextlib.contextmanager
def acting_door(door: str):
    """Record account changes made inside this block as made through `door` (session, jwt, admin...)."""
    token = _acting_door.set(door)
    try:
        yield
    finally:
        _acting_door.reset(token)


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


def credentials_end(*, user_id: int, reason: Reason, user: "User | None" = None, username: str = "",
                    door: str | None = None) -> int:
    """End every session and token of the user issued before now, and record it; return the cut-off (Unix ms).

    Sends `credentials_revoked` first, so the session door ends the user's sessions through its store (which also
    drops what it keeps outside the database, such as cached copies), then records the user cut-off in the
    revocation store (tokens of every login that began before it die, however late they were minted; the
    database's trigger ends any session row that appeared meanwhile, and `revoke_user` pushes what the triggers
    recorded to the Redis copy at once). Records the end in the history of ends (`LoginEnd`, naming the
    administrator of `acting_admin`) and as the auth event of `reason`, made through `door`
    (default: the one set by `acting_door`). Call inside the transaction that makes the change: the cut-off
    commits with it.
    """
    subject = user if user is not None else User(pk=user_id)
    credentials_revoked.send(sender=User, user=subject, reason=reason)
    cutoff = revocation.revoke_user(user_id=user_id, reason=reason)
    LoginEnd.record(user_id=user_id, login="", reason=reason, cutoff_ms=cutoff)
    # A deletion records no event: the account, and so the event's subject, is going (its cut-off and its record
    # of the end stay).
    kind = {Reason.LOGOUT_EVERYWHERE: AuthEvent.Kind.LOGOUT_EVERYWHERE, Reason.PASSWORD_CHANGED:
            AuthEvent.Kind.PASSWORD_CHANGED, Reason.SUSPENDED: AuthEvent.Kind.SUSPENDED}.get(reason)
    if kind is not None:
        AuthEvent.objects.create(kind=kind, user_id=user_id,
                                 username=(username or subject.get_username() or "")[:150],
                                 door=_acting_door.get() if door is None else door, detail=acting_admin_note())
    return cutoff


# The columns whose change ends credentials. A write that names neither cannot change them.
WATCHED = frozenset({"password", "is_active"})


def credentials_follow(before: dict, after, *, user: "User | None" = None, rehash_only: bool = False) -> None:
    """End the credentials of each user whose stored state changed from `before` to `after`.

    `before` maps a user id to (password hash, active) as stored before the write; `after` yields
    (id, password hash, active, username) as stored after it. Whether a change ends credentials is
    `denylist.users.credentials_ended_by`, the rule denylist's receivers apply to any user model: a new hash
    (unless `rehash_only`: the same password re-encoded), or an account that was active and is not. Such a change
    ends every credential issued before now (`credentials_end`: the records, the auth event, the Redis copy told
    at once); the database's trigger has already recorded the cut-off.
    """
    for user_id, password, active, username in after:
        if user_id not in before:
            continue
        old_password, was_active = before[user_id]
        active = active_flag(active)
        reason = credentials_ended_by(old_password, was_active, password, active, rehash=rehash_only)
        if reason is None:
            continue
        subject = user if user is not None and user.pk == user_id else User(pk=user_id)
        credentials_end(user_id=user_id, reason=reason, user=subject, username=username or "")


class UserQuerySet(models.QuerySet):
    """Writes that change a password or deactivate accounts end those users' credentials too (any form)."""

    def _locked_states(self) -> dict[int, tuple[str, bool]]:
        """Lock the rows and return {id: (password hash, active)} as stored: the set of users a write may end."""
        rows = self.select_for_update().values_list("pk", "password", "is_active")
        return {user_id: (password, active_flag(active)) for user_id, password, active in rows}

    def _stored(self, ids) -> list[tuple]:
        """Return (id, password hash, active, username) of these users as stored now."""
        return list(models.QuerySet(self.model, using=self.db).filter(pk__in=list(ids))
                    .values_list("pk", "password", "is_active", self.model.USERNAME_FIELD))

    def update(self, **kwargs):
        if not WATCHED & set(kwargs):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            before = self._locked_states()
            updated = models.QuerySet.update(
                models.QuerySet(self.model, using=self.db).filter(pk__in=list(before)), **kwargs)
            credentials_follow(before, self._stored(before))
        return updated

    def bulk_create(self, objs, batch_size=None, ignore_conflicts=False, update_conflicts=False,
                    update_fields=None, unique_fields=None):
        watched = update_conflicts and WATCHED & set(update_fields or ())
        if not watched:
            return super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts,
                                       update_conflicts=update_conflicts, update_fields=update_fields,
                                       unique_fields=unique_fields)
        objs = list(objs)
        with transaction.atomic(using=self.db):
            # The rows an upsert may overwrite are those matching an object on its unique fields.
            fields = [self.model._meta.get_field(name) for name in (unique_fields or ["pk"])]
            matches = models.Q(pk__in=[])
            for obj in objs:
                matches |= models.Q(**{field.attname: getattr(obj, field.attname) for field in fields})
            before = self.model._base_manager.db_manager(self.db).filter(matches)._locked_states()
            created = super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts,
                                          update_conflicts=update_conflicts, update_fields=update_fields,
                                          unique_fields=unique_fields)
            credentials_follow(before, self._stored(before))
        return created

    def delete(self):
        # Lock the rows before Django collects what cascades: logins and refresh rotations lock the user's row
        # first too (jwt_demo.services), so none can add a login or a refresh row the deletion did not see.
        with transaction.atomic(using=self.db):
            ids = list(self.select_for_update().values_list("pk", flat=True))
            return models.QuerySet.delete(models.QuerySet(self.model, using=self.db).filter(pk__in=ids))

    def bulk_update(self, objs, fields, batch_size=None):
        if not WATCHED & set(fields):
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
    # Every ORM path above compares the rows, locked, and writes its own re-hash permits: denylist's generic
    # receivers on AUTH_USER_MODEL (denylist.users) stay unconnected.
    ends_credentials_itself = True

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        # `User._base_manager` (Django's internal manager, reachable from any code) is this one too, so its
        # updates end credentials like those of `User.objects`.
        base_manager_name = "objects"

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
        watched = update_fields is None or bool(WATCHED & set(update_fields))
        # A new instance with the id of an existing row overwrites it (Django tries an UPDATE first): watched too.
        if self.pk is None or not watched:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or self._state.db
        with transaction.atomic(using=using):
            # Compare with the row as stored, locked: an instance loaded long ago (an admin form, a shell) still
            # sees what it is really changing, and two concurrent saves cannot both miss the change.
            before = type(self)._base_manager.db_manager(using).filter(pk=self.pk)._locked_states()
            if self._rehash_only and before and before[self.pk][0] != self.password:
                # Tell the database's trigger that this change of hash re-encodes the same password (denylist.triggers).
                revocation.rehash_permit(user_id=self.pk, previous=before[self.pk][0], password=self.password,
                                         using=using)
            super().save(*args, **kwargs)
            credentials_follow(before, [(self.pk, self.password, self.is_active, self.get_username())], user=self,
                               rehash_only=self._rehash_only)
        return None


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def _end_credentials_of_deleted_user(sender, instance, **kwargs):
    # Before the cascade deletes the session rows behind the store's back: a cached copy of a session
    # (cached_db) is refused only once the store has recorded it as ended. The cut-off outlives the account,
    # since its id may come back (another database restored, a sequence reset).
    credentials_end(user_id=instance.pk, reason=Reason.DELETED, user=instance)


# Where the person acting is (address, User-Agent): an administrator's console action is logged with the
# administrator's address and device, whichever function records its auth events (AuthEvent.save).
_acting_origin: contextvars.ContextVar[tuple[str | None, str]] = contextvars.ContextVar(
    "tokenlab_acting_origin", default=(None, ""))


@contextlib.contextmanager
def acting_from(*, ip: str | None, user_agent: str = ""):
    """Record auth events made inside this block, that name no address or device, with `ip` and `user_agent`."""
    token = _acting_origin.set((ip, user_agent))
    try:
        yield
    finally:
        _acting_origin.reset(token)


def acting_origin() -> tuple[str | None, str]:
    """Return (address, User-Agent) set by `acting_from`, or (None, "")."""
    return _acting_origin.get()


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

    def save(self, *args, **kwargs):
        # An event recorded inside `acting_from` (an administrator's action) that names no address or device of
        # its own gets the acting person's.
        if self._state.adding:
            ip, user_agent = acting_origin()
            self.ip = self.ip if self.ip is not None else ip
            self.user_agent = (self.user_agent or user_agent)[:300]
        super().save(*args, **kwargs)


class LoginEnd(models.Model):
    """The record of one end: every login of a user from before `cutoff` (`login` blank), or one login.

    Written where the end happens (`credentials_end`, which every path goes through, and
    `accounts.logins.login_end`), so that a page can tell when, why and — for an administrator's action — by whom
    a login ended. The revocation store stays the truth of *whether* a credential works; this is the history it
    does not keep (a user's cut-off entry holds only the latest instant and reason). `reason` is a
    `denylist.reasons.Reason`.
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

