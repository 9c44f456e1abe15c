"""The caller's own logins (API.md, "Logins of the caller"): `GET/DELETE <door>/logins/`, run through both doors."""

from http import HTTPStatus

import pytest

from accounts.models import AuthEvent
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

FIELDS = {"id", "kind", "door", "device", "ip", "created", "last_seen", "current"}


@pytest.fixture
def both(user):
    """A session and a token login of `user`, besides the door under test."""
    return SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login()


def _ids(response) -> set[str]:
    return {row["id"] for row in response.json()}


def test_list_shows_both_kinds_and_marks_the_current_one(door, both, user):
    response = door.get("logins/")
    assert response.status_code == HTTPStatus.OK
    rows = response.json()
    sessions = {f"s-{d}" for d in DeviceSession.objects.filter(user=user).values_list("digest", flat=True)}
    families = {f"t-{f}" for f in TokenFamily.objects.filter(user=user).values_list("id", flat=True)}
    assert _ids(response) == sessions | families
    assert len(rows) == 3  # the door's own login and the two of `both`
    assert all(set(row) == FIELDS for row in rows)
    assert {row["kind"] for row in rows} == {"session", "token"}
    [current] = [row for row in rows if row["current"]]
    if door.door == "session":
        assert current["id"] == f"s-{DeviceSession.objects.get(session_key=door.session_key).digest}"
        assert current["kind"] == "session" and current["door"] == "session"
    else:
        assert current["kind"] == "token" and current["door"] == "jwt"
        assert TokenFamily.objects.get(pk=current["id"][2:]).refresh_tokens.exists()


def test_list_never_shows_a_session_key_or_a_token(door, both):
    body = door.get("logins/").content.decode()
    session, jwt = both
    secrets = [session.session_key, jwt.access, jwt.refresh, *DeviceSession.objects.values_list("session_key",
                                                                                               flat=True)]
    if door.door == "jwt":
        secrets += [door.access, door.refresh]
    assert not [s[:8] for s in secrets if s in body]


def test_list_leaves_out_others_and_dead_logins(door, both, other_user, user):
    SessionDoor(other_user.username, PASSWORD).login()
    JWTDoor(other_user.username, PASSWORD).login()
    _session, jwt = both
    jwt.client.post("/jwt/logout/", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {jwt.access}")
    ids = _ids(door.get("logins/"))
    assert len(ids) == 2
    assert all(i[2:] in set(DeviceSession.objects.filter(user=user).values_list("digest", flat=True))
               | set(TokenFamily.objects.filter(user=user, revoked_at__isnull=True).values_list("id", flat=True))
               for i in ids)


def test_delete_a_session_ends_it(door, both, user):
    session, _jwt = both
    digest = DeviceSession.objects.get(session_key=session.session_key).digest
    response = door.delete(f"logins/s-{digest}/")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert door.get("profile/").status_code == HTTPStatus.OK
    assert f"s-{digest}" not in _ids(door.get("logins/"))
    assert AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.LOGIN_ENDED).count() == 1


def test_delete_a_token_login_ends_every_token_of_it(door, both, user):
    _session, jwt = both
    family = TokenFamily.objects.filter(user=user).order_by("-created").exclude(
        pk__in=[r["id"][2:] for r in door.get("logins/").json() if r["current"]]).first()
    response = door.delete(f"logins/t-{family.pk}/")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    refresh = jwt.client.post("/jwt/token/refresh/", {"refresh": jwt.refresh}, content_type="application/json")
    assert refresh.status_code == HTTPStatus.UNAUTHORIZED
    assert door.get("profile/").status_code == HTTPStatus.OK
    family.refresh_from_db()
    assert family.revoked_reason == "user"


def test_delete_the_current_login_ends_the_caller(door):
    [current] = [row for row in door.get("logins/").json() if row["current"]]
    assert door.delete(f"logins/{current['id']}/").status_code == HTTPStatus.NO_CONTENT
    assert door.get("profile/").status_code == door.anonymous_status()


def test_delete_another_users_login_is_404_and_ends_nothing(door, other_user):
    other_session = SessionDoor(other_user.username, PASSWORD).login()
    other_jwt = JWTDoor(other_user.username, PASSWORD).login()
    ids = [f"s-{DeviceSession.objects.get(session_key=other_session.session_key).digest}",
           f"t-{TokenFamily.objects.get(user=other_user).pk}"]
    for login_id in ids:
        response = door.delete(f"logins/{login_id}/")
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {"detail": "No such login.", "code": "not_found"}
    assert other_session.get("profile/").status_code == HTTPStatus.OK
    assert other_jwt.get("profile/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("login_id", [
    "s-" + "0" * 32, "t-" + "0" * 32, "x-" + "0" * 32, "0" * 32, "s-", "t-%00", "%00", "s-" + "0" * 31 + "%00",
    "-1", "99999999999999999999999999", "s-" + "A" * 32, "t-" + "f" * 5000, "s-" + "0" * 32 + "%0a",
])
def test_delete_unknown_or_malformed_id_is_404(door, both, login_id):
    before = _ids(door.get("logins/"))
    response = door.delete(f"logins/{login_id}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert _ids(door.get("logins/")) == before


def test_a_dead_login_cannot_be_ended_again(door, both):
    _session, jwt = both
    family = TokenFamily.objects.get(pk=[r["id"][2:] for r in door.get("logins/").json()
                                         if r["kind"] == "token" and not r["current"]][0])
    assert door.delete(f"logins/t-{family.pk}/").status_code == HTTPStatus.NO_CONTENT
    assert door.delete(f"logins/t-{family.pk}/").status_code == HTTPStatus.NOT_FOUND


def test_anonymous_gets_the_doors_refusal(client, door_name):
    root = SessionDoor.api_root if door_name == "session" else JWTDoor.api_root
    expected = HTTPStatus.FORBIDDEN if door_name == "session" else HTTPStatus.UNAUTHORIZED
    assert client.get(root + "logins/").status_code == expected
    assert client.delete(root + "logins/s-" + "0" * 32 + "/").status_code == expected


def test_logged_out_everywhere_leaves_an_empty_list(both, user):
    _session, jwt = both
    jwt.client.post("/jwt/logout-all/", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {jwt.access}")
    fresh = JWTDoor(user.username, PASSWORD).login()
    rows = fresh.get("logins/").json()
    assert [row["current"] for row in rows] == [True]
