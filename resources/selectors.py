"""Reads of the protected resources. Auth-agnostic: callers pass the owner's id, whichever door they are."""

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.utils import timezone

from resources.models import Note


def note_list(*, owner_id: int) -> QuerySet[Note]:
    """Return the owner's notes, newest first; never anyone else's."""
    return Note.objects.filter(owner_id=owner_id)


def note_get(*, owner_id: int, note_id: int) -> Note | None:
    """Return the owner's note, or None when it does not exist *or* belongs to someone else (same answer)."""
    return Note.objects.filter(owner_id=owner_id, pk=note_id).first()


def staff_report() -> dict:
    """Return aggregate figures for staff: accounts, notes and the most prolific writers."""
    users = get_user_model().objects
    top = (
        users.annotate(note_count=Count("notes")).filter(note_count__gt=0).order_by("-note_count", "username")
        .values("username", "note_count")[:5]
    )
    return {
        "generated_at": timezone.now(),
        "users": users.count(),
        "active_users": users.filter(is_active=True).count(),
        "staff": users.filter(is_staff=True).count(),
        "notes": Note.objects.count(),
        "top_writers": list(top),
    }
