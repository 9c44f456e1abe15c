"""Deleting an account revokes everything it was ever issued (its id may come back in another database)."""

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from accounts.signals import credentials_revoked
from denylist import revocation


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def revoke_deleted_user(sender, instance, **kwargs):
    revocation.revoke_user(user_id=instance.pk, reason="deleted")
    # End the sessions through their store too, before the cascade deletes their rows behind its back: a cached
    # copy of a session (cached_db) is only refused once the store has recorded it as ended.
    credentials_revoked.send(sender=sender, user=instance, reason="deleted")
