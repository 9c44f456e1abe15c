"""What the guided lab keeps: which steps each participant has done (for the instructor's page), nothing more."""

from django.conf import settings
from django.db import models


class StepDone(models.Model):
    """One participant reached one step of the guided lab (`workshop.lab.STEPS`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_steps")
    step = models.CharField(max_length=32)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "step"], name="workshop_step_once")]
        ordering = ["done_at"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.step}"
