"""The protected resources both doors serve: notes owned by users."""

from django.conf import settings
from django.db import models


class Note(models.Model):
    """A short private note; only its owner ever sees it, through either door."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=10_000, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["owner", "-created"])]

    def __str__(self) -> str:
        return self.title
