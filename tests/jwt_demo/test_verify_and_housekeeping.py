"""verify never vouches for a token refresh would refuse; `manage.py purge` deletes refresh bookkeeping that guards
nothing any more, and never a row a live token still needs."""

import io
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.utils import timezone

from jwt_demo import services
from jwt_demo.housekeeping import token_logins_purge
from jwt_demo.models import RefreshToken, TokenFamily
from tests.support.doors import JWTDoor
from tests.support.flows import refresh
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db
ROTATED_AWAY = {"detail": "Token has been rotated away or its login has ended.", "code": "token_revoked"}
REVOKED = {"detail": "Token has been revoked.", "code": "token_revoked"}


def verify(door: JWTDoor, token: str):
    return door.client.post("/jwt/token/verify/", {"token": token}, content_type="application/json")


def test_verify_refuses_a_refresh_token_rotated_away_without_ending_the_login(user):
    door = JWTDoor(user.username, PASSWORD).login()
    old = door.refresh
    assert refresh(door).status_code == HTTPStatus.OK
    response = verify(door, old)
    assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, ROTATED_AWAY)
    # verify is a read: it is not reuse, and the login goes on.
    assert verify(door, door.refresh).status_code == HTTPStatus.OK
    assert refresh(door).status_code == HTTPStatus.OK
    assert TokenFamily.objects.get().revoked_at is None


def test_verify_refuses_every_token_of_an_ended_login(user):
    door = JWTDoor(user.username, PASSWORD).login()
    response = door.client.post("/jwt/logout/", data="", content_type="application/json",
                                HTTP_AUTHORIZATION=f"Bearer {door.access}")
    assert response.status_code == HTTPStatus.NO_CONTENT
    for token in (door.access, door.refresh):
        response = verify(door, token)
        assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, REVOKED)


def test_verify_refuses_a_refresh_token_whose_family_row_ended_even_without_a_store_entry(user, settings):
    """The family's own state is read too: a login ended in the database alone is not vouched for."""
    door = JWTDoor(user.username, PASSWORD).login()
    TokenFamily.objects.update(revoked_at=timezone.now(), revoked_reason="admin")
    response = verify(door, door.refresh)
    assert (response.status_code, response.json()) == (HTTPStatus.UNAUTHORIZED, ROTATED_AWAY)


def age(*, families=None, refresh_rows=None, by: timedelta) -> None:
    """Move rows back in time, as if `by` had passed since they were written."""
    for row in families or []:
        TokenFamily.objects.filter(pk=row.pk).update(created=row.created - by,
                                                     absolute_expires_at=row.absolute_expires_at - by)
    for row in refresh_rows or []:
        RefreshToken.objects.filter(pk=row.pk).update(issued_at=row.issued_at - by, expires_at=row.expires_at - by)


def test_purge_deletes_expired_refresh_rows_and_dead_logins_and_keeps_live_ones(user, settings):
    live = JWTDoor(user.username, PASSWORD).login()
    for _ in range(3):
        assert refresh(live).status_code == HTTPStatus.OK
    stale = JWTDoor(user.username, PASSWORD).login()
    ancient = JWTDoor(user.username, PASSWORD).login()
    live_family, stale_family, ancient_family = (TokenFamily.objects.get(pk=services.codec.decode(d.access).family)
                                                 for d in (live, stale, ancient))
    # The live login's three rotated-away rows expire; its current one does not.
    rotated = list(RefreshToken.objects.filter(family=live_family, rotated_at__isnull=False))
    assert len(rotated) == 3
    age(refresh_rows=rotated, by=timedelta(seconds=settings.REFRESH_TOKEN_LIFETIME + 60))
    # The stale login's only refresh token expired: the login can never be used again.
    age(families=[stale_family], refresh_rows=list(stale_family.refresh_tokens.all()),
        by=timedelta(seconds=settings.REFRESH_TOKEN_LIFETIME + 60))
    # The ancient login is past its absolute lifetime.
    age(families=[ancient_family], by=timedelta(seconds=settings.REFRESH_ABSOLUTE_LIFETIME + 60))

    families, rows = token_logins_purge(now=timezone.now())

    assert (families, rows) == (2, 3)
    assert set(TokenFamily.objects.values_list("pk", flat=True)) == {live_family.pk}
    assert RefreshToken.objects.filter(family=live_family).count() == 1
    assert refresh(live).status_code == HTTPStatus.OK  # the live login is untouched
    assert live.get("notes/").status_code == HTTPStatus.OK


def test_purge_command_runs_every_housekeeping_step(user):
    JWTDoor(user.username, PASSWORD).login()
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert out.getvalue().startswith("Purged 0 revocation entries, 0 ended token logins")
    assert TokenFamily.objects.count() == 1
