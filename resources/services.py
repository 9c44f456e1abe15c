"""Writes of the protected resources, shared by both doors."""

from resources.models import Note


def note_create(*, owner_id: int, title: str, body: str = "") -> Note:
    """Create a note owned by `owner_id`."""
    return Note.objects.create(owner_id=owner_id, title=title, body=body)


def note_delete(*, owner_id: int, note_id: int) -> bool:
    """Delete the owner's note; return False when there is no such note of theirs (nothing changes)."""
    deleted, _ = Note.objects.filter(owner_id=owner_id, pk=note_id).delete()
    return deleted > 0
