"""A user's account ends their credentials: receivers on `AUTH_USER_MODEL`, and re-hash permits for any user model.

The database's triggers (`denylist.triggers`, installed on the user table by this app's migration) have the last
word on PostgreSQL and SQLite: any write that changes a password hash, deactivates or deletes an account records
the user's cut-off, raw SQL included. What they cannot do, these receivers add for ORM writes of the user model:

- tell the Redis copy at once (`revocation.revoke_user` pushes the cut-off): a `save()` or a `delete()` ends the
  user's tokens on the very next request, instead of within one `REVOCATION_LEASE_SECONDS`;
- on a database without the triggers (MySQL, Oracle...), record the cut-off at all. There only `save()` and
  `delete()` (also `QuerySet.delete()`, which sends the signals) are guarded: `QuerySet.update()`,
  `bulk_update()` and raw SQL are not.

`pre_save` reads the row as stored (one query, only for a save that may write the password or the active flag:
a save with `update_fields` naming neither, such as `update_last_login`, costs nothing); `post_save` compares it
with what was saved. A new hash, or an account that was active and is not, ends every credential of the user
issued before now; reactivating revives nothing. `post_delete` ends them when the account goes.

Re-hash at login. Django re-encodes a correct password with the preferred hasher (a new hasher, more
iterations — every Django release raises PBKDF2's) and saves it (`AbstractBaseUser.check_password`'s setter).
The password has not changed, so nothing should end — else every Django upgrade logs every user out. No value of
the row can tell a re-encoding from a new password (a hash written by a sync job looks the same), so the proof
is the password itself: `check_password` and `acheck_password` of the user model are wrapped, and while one runs
for an instance with a password `p`, a save of that instance's `password` alone is a re-hash only if the hash
stored before *and* the new hash both verify `p` (two hash computations, once per user per hasher change). Then
this module writes a permit for exactly that change (user, stored hash, new hash) before the `UPDATE`, and the
trigger ends nothing; anything else — a different password, a hash changed meanwhile, a save outside a password
check — ends credentials.

A user model that ends credentials itself (Token Lab's `accounts.User`, which compares and locks the rows on every
ORM path and writes its own permits) declares `ends_credentials_itself = True`; then nothing here is connected.
"""

import contextvars
import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from denylist import revocation
from denylist.reasons import Reason
from denylist.triggers import integer_key

# (the instance, the password being checked) while the user model's check_password runs.
_checking: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("denylist_checking", default=None)
_BEFORE = "_denylist_stored"  # the instance attribute carrying the stored row from pre_save to post_save
_DISPATCH = "denylist.users"


def _active_field(model) -> str | None:
    try:
        return model._meta.get_field("is_active").attname
    except FieldDoesNotExist:
        return None


def active_flag(value) -> bool:
    """Read an active flag as the database stores it; a value that is not plainly true is inactive (a value Django
    would not read as True must end credentials, not keep them alive)."""
    try:
        return models.BooleanField().to_python(value) is True
    except ValidationError:
        return False


def _watched(model) -> set[str]:
    return {"password", _active_field(model)} - {None}


def _before_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not _watched(sender) & set(update_fields):
        return
    active = _active_field(sender)
    row = (sender._base_manager.using(using).filter(pk=instance.pk)
           .values_list("password", active or "password").first())
    if row is None:
        return
    stored_password, stored_active = row[0], (active_flag(row[1]) if active else True)
    rehash = _proven_rehash(instance, stored_password, update_fields)
    if rehash:
        revocation.rehash_permit(user_id=instance.pk, previous=stored_password, password=instance.password,
                                 using=using)
    setattr(instance, _BEFORE, (stored_password, stored_active, rehash))


def _proven_rehash(instance, stored_password: str, update_fields) -> bool:
    """Tell whether this save re-encodes the password being checked: inside that instance's password check, only
    the password saved, and both the stored hash and the new one verify the password."""
    checking = _checking.get()
    if checking is None or checking[0] is not instance or set(update_fields or ()) != {"password"}:
        return False
    if stored_password == instance.password:
        return False
    password = checking[1]
    return check_password(password, stored_password) and check_password(password, instance.password)


def credentials_ended_by(stored_password: str, was_active: bool, password: str, active: bool, *,
                         rehash: bool = False) -> Reason | None:
    """Return why a write that took an account from (`stored_password`, `was_active`) as stored to (`password`,
    `active`) ends every credential of the user, or None when it ends nothing: a new hash (unless `rehash`, the
    same password re-encoded) is PASSWORD_CHANGED; an account that was active and is not, SUSPENDED; reactivating
    revives nothing. The one rule of these receivers and of a user model that ends credentials itself."""
    if stored_password != password and not rehash:
        return Reason.PASSWORD_CHANGED
    if was_active and not active:
        return Reason.SUSPENDED
    return None


def _after_save(sender, instance, created=False, raw=False, **kwargs):
    before = instance.__dict__.pop(_BEFORE, None)
    if before is None or created:
        return
    stored_password, was_active, rehash = before
    active = active_flag(getattr(instance, _active_field(sender))) if _active_field(sender) else True
    reason = credentials_ended_by(stored_password, was_active, instance.password, active, rehash=rehash)
    if reason is not None:
        revocation.revoke_user(user_id=instance.pk, reason=reason)


def _after_delete(sender, instance, **kwargs):
    # The cut-off outlives the account: its id may come back (a sequence reset, another database restored).
    revocation.revoke_user(user_id=instance.pk, reason=Reason.DELETED)


def _wrap_check_password(model) -> None:
    """Mark the user model's password checks, so that `pre_save` can recognise the re-hash they save."""
    sync, asynchronous = model.check_password, model.acheck_password
    if getattr(sync, "_denylist_wrapped", False):
        return

    @functools.wraps(sync)
    def check_password(self, raw_password):
        token = _checking.set((self, raw_password))
        try:
            return sync(self, raw_password)
        finally:
            _checking.reset(token)

    @functools.wraps(asynchronous)
    async def acheck_password(self, raw_password):
        # asave() runs save() through sync_to_async, which carries this context into its thread.
        token = _checking.set((self, raw_password))
        try:
            return await asynchronous(self, raw_password)
        finally:
            _checking.reset(token)

    check_password._denylist_wrapped = acheck_password._denylist_wrapped = True
    model.check_password, model.acheck_password = check_password, acheck_password


def connect() -> None:
    """Connect the receivers to `AUTH_USER_MODEL` (from `DenylistConfig.ready`), unless it ends credentials itself."""
    model = get_user_model()
    if getattr(model, "ends_credentials_itself", False) or not integer_key(model):
        return
    pre_save.connect(_before_save, sender=model, dispatch_uid=_DISPATCH)
    post_save.connect(_after_save, sender=model, dispatch_uid=_DISPATCH)
    post_delete.connect(_after_delete, sender=model, dispatch_uid=_DISPATCH)
    _wrap_check_password(model)
