"""The durable side of the revocation store: one row per revoked thing, the source of truth for every backend."""

from django.db import models


class Revocation(models.Model):
    """One revocation entry, keyed by a claim — never by a token string (JWT signatures are malleable).

    - TOKEN: `key` is a token's `jti`; that one token is dead.
    - FAMILY: `key` is a refresh family id; every access and refresh token of that login is dead.
    - USER: `key` is a user id; every credential of the user issued before `cutoff_ms` is dead.
    - SESSION: `key` is a digest of a session key; that session is dead (guards Redis-cached session data).

    `expires_at` is when every credential the entry covers has expired on its own; after that the row is
    garbage and `manage.py purge_revocations` removes it.
    """

    class Kind(models.TextChoices):
        TOKEN = "j", "token (jti)"
        FAMILY = "f", "refresh family"
        USER = "u", "user cut-off"
        SESSION = "s", "session"

    kind = models.CharField(max_length=1, choices=Kind.choices)
    key = models.CharField(max_length=64)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="Not a foreign key: "
                                     "revocations outlive a deleted account.")
    cutoff_ms = models.BigIntegerField(null=True, blank=True, help_text="USER entries: credentials issued before "
                                       "this instant (Unix milliseconds) are dead.")
    expires_at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=32, blank=True)
    synced = models.BooleanField(default=True, help_text="False while the entry may be missing from Redis (written "
                                 "while Redis was unreachable); pushed at the next lease renewal.")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="revocation_kind_key_unique")]
        indexes = [models.Index(fields=["synced"], name="revocation_unsynced", condition=models.Q(synced=False))]
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class PasswordRehash(models.Model):
    """A permit: the change of this user's stored hash from `previous` to `password` re-encodes one password.

    Written just before Django's re-hash of a correct password at login is saved (by `denylist.users` for any user
    model, or by a user model that declares it ends credentials itself), and consumed by the database's trigger
    (`denylist.triggers`), so that a hasher upgrade ends no credential. The trigger honours it for that exact
    change only; any change of the user's hash deletes every permit of the user.
    """

    user_id = models.BigIntegerField(db_index=True)
    previous = models.CharField(max_length=128, help_text="The hash stored before the re-encoding.")
    password = models.CharField(max_length=128, help_text="The new hash: the same password, re-encoded.")

    def __str__(self) -> str:
        return f"re-hash permit of {self.user_id}"
