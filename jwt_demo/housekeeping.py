"""Housekeeping for the JWT door: delete refresh bookkeeping that no longer guards any live token.

Every rotation writes one `RefreshToken` row and every login one `TokenFamily`; nothing else ever deletes them.
A refresh row is needed only while its token could still be presented: once it has expired, the codec refuses
the token before any row is read (so reuse detection needs the row no longer). A family is needed only while one
of its tokens could still be used: after its absolute lifetime, or once its newest refresh token has expired
(every access token of a pair expires no later than the refresh token minted with it).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jwt_demo.models import RefreshToken, TokenFamily

BATCH = 1000


def _delete_in_batches(queryset) -> int:
    """Delete the rows of `queryset` a bounded batch at a time (no transaction holds a million row locks)."""
    deleted = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return deleted
        queryset.model._default_manager.filter(pk__in=ids).delete()
        deleted += len(ids)


def token_logins_purge(*, now: datetime) -> tuple[int, int]:
    """Delete expired refresh rows and ended token logins; return (families deleted, refresh rows deleted).

    `now` should already allow for clock skew (the caller subtracts `JWT_LEEWAY`).
    """
    live_refresh = RefreshToken.objects.filter(family=OuterRef("pk"), expires_at__gte=now)
    families = _delete_in_batches(
        TokenFamily.objects.annotate(live=Exists(live_refresh))
        .filter(Q(absolute_expires_at__lt=now) | Q(live=False, created__lt=now))
    )
    rows = _delete_in_batches(RefreshToken.objects.filter(expires_at__lt=now))
    return families, rows


def token_logins_purge_now() -> tuple[int, int]:
    """Purge as of now, less the clock-skew leeway."""
    return token_logins_purge(now=timezone.now() - timedelta(seconds=settings.JWT_LEEWAY))
