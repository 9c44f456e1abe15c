"""Fixtures of the attack corpus: two users with genuine credentials (attacker keys: tests/support/fixtures.py)."""

import pytest

from jwt_demo import services
from jwt_demo.tokens import ACCESS, REFRESH
from resources.models import Note
from tests.support.attacks import Creds, shared_client


def _pair(user) -> dict:
    pair = services.token_pair_issue(user=user, door="jwt", ip="127.0.0.1")
    return {ACCESS: pair.access, REFRESH: pair.refresh}


@pytest.fixture
def creds(user, other_user) -> Creds:
    client = shared_client()
    client.cookies.clear()
    client.force_login(user)
    session_key = client.cookies["sessionid"].value
    client.get("/session/login/")
    note = Note.objects.create(owner=user, title="victim's note", body="private")
    return Creds(victim=user, other=other_user, victim_tokens=_pair(user), other_tokens=_pair(other_user),
                 session_key=session_key, csrf_token=client.cookies["csrftoken"].value, note_id=note.pk)

