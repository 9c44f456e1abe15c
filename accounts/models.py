"""Token Lab's user model and the auth-event log."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A Token Lab account: one account, usable through the session door and the JWT door at once."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"


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
