"""Refresh-token bookkeeping: one family per login, one row per refresh token. No token string is ever stored."""

import re

from django.conf import settings
from django.db import models

_FAMILY_ID = re.compile(r"[0-9a-f]{32}")


def is_family_id(value: object) -> bool:
    """Tell whether `value` has the shape of a family id (a uuid4 in hex): anything else names no login.

    Checked before any query: PostgreSQL refuses a NUL byte in a text parameter with an error, not a miss.
    """
    return isinstance(value, str) and _FAMILY_ID.fullmatch(value) is not None


class TokenFamily(models.Model):
    """Every refresh token descending from one login. Revoking the family ends the login on every client."""

    id = models.CharField(max_length=32, primary_key=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="token_families")
    door = models.CharField(max_length=16, default="jwt", help_text="jwt (body tokens) or hybrid (cookie)")
    created = models.DateTimeField()
    absolute_expires_at = models.DateTimeField(help_text="No rotation extends the login past this instant.")
    last_refreshed = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "token families"
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"family {self.id[:8]} of {self.user_id}"


class RefreshToken(models.Model):
    """One issued refresh token, by `jti`. `rotated_at` is set, atomically, when it is exchanged for a successor."""

    jti = models.CharField(max_length=32, primary_key=True, editable=False)
    family = models.ForeignKey(TokenFamily, on_delete=models.CASCADE, related_name="refresh_tokens")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"refresh {self.jti[:8]}"
