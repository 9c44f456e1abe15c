"""End the user's sessions whenever the account services revoke all of the user's credentials."""

from django.dispatch import receiver

from accounts.signals import credentials_revoked
from sessions_demo.services import session_end_all


@receiver(credentials_revoked)
def end_sessions_of_user(sender, user, reason, **kwargs):
    session_end_all(user_id=user.pk, reason=reason)
