"""The protected resources behave identically through the session door and the JWT door."""

from http import HTTPStatus

import pytest

from resources.models import Note

pytestmark = pytest.mark.django_db


def test_profile(door, user):
    response = door.get("profile/")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body == {"id": user.pk, "username": "alice", "email": "alice@example.test",
                    "date_joined": body["date_joined"], "is_staff": False}
    assert body["date_joined"].startswith(str(user.date_joined.date()))


def test_notes_list_shows_only_own_notes(door, user, other_user):
    Note.objects.create(owner=user, title="mine", body="a")
    Note.objects.create(owner=other_user, title="theirs", body="b")
    response = door.get("notes/")
    assert response.status_code == HTTPStatus.OK
    assert [n["title"] for n in response.json()] == ["mine"]
    assert set(response.json()[0]) == {"id", "title", "body", "created"}


def test_note_create_then_read_then_delete(door, user):
    created = door.post("notes/", {"title": "  Hello  ", "body": "World"})
    assert created.status_code == HTTPStatus.CREATED
    note = created.json()
    assert note["title"] == "Hello" and note["body"] == "World"
    assert Note.objects.get(pk=note["id"]).owner_id == user.pk

    read = door.get(f"notes/{note['id']}/")
    assert read.status_code == HTTPStatus.OK and read.json() == note

    deleted = door.delete(f"notes/{note['id']}/")
    assert deleted.status_code == HTTPStatus.NO_CONTENT
    assert not Note.objects.filter(pk=note["id"]).exists()
    assert door.get(f"notes/{note['id']}/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("body", [
    {}, {"title": ""}, {"title": "   "}, {"title": 5}, {"title": None}, {"title": ["a"]}, {"title": "x" * 201},
    {"title": "ok", "body": "x" * 10_001}, {"title": "a\x00b"},
])
def test_note_create_rejects_bad_fields(door, body):
    response = door.post("notes/", body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "invalid"
    assert "errors" in response.json()
    assert Note.objects.count() == 0


def test_other_users_note_is_404_and_untouched(door, other_user):
    theirs = Note.objects.create(owner=other_user, title="secret")
    for response in (door.get(f"notes/{theirs.pk}/"), door.delete(f"notes/{theirs.pk}/")):
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json() == {"detail": "No such note.", "code": "not_found"}
    assert Note.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("note_id", ["0", "99999999", "999999999999999999999999999", "abc", "-1"])
def test_unknown_note_ids_are_404(door, note_id):
    response = door.get(f"notes/{note_id}/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"


def test_staff_report_for_staff(staff_door, user):
    Note.objects.create(owner=user, title="n")
    response = staff_door.get("staff/report/")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["users"] == 2 and body["staff"] == 1 and body["notes"] == 1
    assert body["top_writers"] == [{"username": "alice", "note_count": 1}]


def test_staff_report_forbidden_for_non_staff(door):
    response = door.get("staff/report/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["code"] == "permission_denied"


def test_staff_report_authorization_comes_from_database(staff_door, staff_user):
    """Demoting a user takes effect on the next request, although their token or session predates it."""
    assert staff_door.get("staff/report/").status_code == HTTPStatus.OK
    staff_user.is_staff = False
    staff_user.save()
    assert staff_door.get("staff/report/").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("path", ["profile/", "notes/", "notes/1/", "staff/report/"])
def test_anonymous_is_refused(door_name, client, path):
    from tests.support.doors import DOORS

    response = client.get(DOORS[door_name].api_root + path)
    expected = HTTPStatus.UNAUTHORIZED if door_name == "jwt" else HTTPStatus.FORBIDDEN
    assert response.status_code == expected
    assert response.json() == {"detail": "Authentication credentials were not provided.", "code": "not_authenticated"}
    if door_name == "jwt":
        assert response["WWW-Authenticate"].startswith("Bearer")
