"""Signals the account services send so that each door can end its own credentials.

`accounts` knows nothing about cookies or tokens. When a user's credentials must all die (log out everywhere,
password change, suspension, deletion), `accounts.models.credentials_end` sends `credentials_revoked` — the
session door ends the user's sessions through its store in response — and then records the revocation cut-off.
"""

from django.dispatch import Signal

# Sent with: user (the User), reason (str). Receivers run inside the service's transaction.
credentials_revoked = Signal()
