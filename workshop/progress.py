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


def room_progress() -> list[dict]:
    """Return every participant who has done a step: `{"username", "done": set of slugs, "last": datetime}`.

    Usernames only: the instructor's page shows who is where, nothing else about anyone.
    """
    rows: dict[int, dict] = {}
    for user_id, step, done_at in StepDone.objects.values_list("user_id", "step", "done_at"):
        row = rows.setdefault(user_id, {"done": set(), "last": done_at})
        row["done"].add(step)
        row["last"] = max(row["last"], done_at)
    names = dict(get_user_model().objects.filter(pk__in=rows).values_list("pk", "username"))
    return sorted(({"username": names.get(user_id, "?"), **row} for user_id, row in rows.items()),
                  key=lambda row: row["username"])
