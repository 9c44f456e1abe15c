"""Participants' progress through the guided lab: record a step, read one participant's steps, read the room."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from workshop.lab import STEP_SLUGS, STEPS
from workshop.models import StepDone


def step_mark_done(*, user_id: int, step: str) -> bool:
    """Record that the user has done `step`; return True the first time. Raise ValueError for an unknown step."""
    if step not in STEP_SLUGS:
        raise ValueError(f"unknown step {step!r}")
    try:
        with transaction.atomic():
            StepDone.objects.create(user_id=user_id, step=step)
    except IntegrityError:
        return False  # already done (or done at the same moment by another tab): once is enough
    return True


def steps_done(*, user_id: int) -> list[str]:
    """Return the slugs of the steps the user has done, in curriculum order."""
    done = set(StepDone.objects.filter(user_id=user_id).values_list("step", flat=True))
    return [step.slug for step in STEPS if step.slug in done]


def room_progress() -> dict:
    """Return the room as the instructor sees it: every participant, from the start, and the steps' totals.

    A participant is any account that is not staff: a seeded `p01` who is still stuck at the login form is on the
    list with no step done, which is exactly what the instructor needs to see. Two queries, whatever the room size.
    Usernames only: the page shows who is where, nothing else about anyone. The answer is JSON-ready:

    `{"steps": [{"slug", "title", "short", "done_by"}], "participants": [{"username", "active", "done": [slugs in
    curriculum order], "count", "last": ISO 8601 or None}], "finished": int}`.
    """
    accounts = (get_user_model().objects.filter(is_staff=False, is_superuser=False).order_by("username")
                .values_list("pk", "username", "is_active"))
    marks: dict[int, dict] = {}
    for user_id, step, done_at in StepDone.objects.filter(user__is_staff=False, user__is_superuser=False) \
            .values_list("user_id", "step", "done_at"):
        mark = marks.setdefault(user_id, {"done": set(), "last": done_at})
        mark["done"].add(step)
        mark["last"] = max(mark["last"], done_at)
    participants = []
    for user_id, username, active in accounts:
        mark = marks.get(user_id, {"done": set(), "last": None})
        done = [step.slug for step in STEPS if step.slug in mark["done"]]
        participants.append({"username": username, "active": active, "done": done, "count": len(done),
                             "last": mark["last"].isoformat() if mark["last"] else None})
    return {
        "steps": [{"slug": step.slug, "title": step.title, "short": step.short,
                   "done_by": sum(1 for row in participants if step.slug in row["done"])} for step in STEPS],
        "participants": participants,
        "finished": sum(1 for row in participants if row["count"] == len(STEPS)),
    }
