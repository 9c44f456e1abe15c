"""A room's progress: each participant's steps, kept on the server through either door, and the instructor's view
of the whole room (staff only)."""

from http import HTTPStatus

import pytest
from django.test import Client

from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD
from workshop import progress
from workshop.models import StepDone

pytestmark = pytest.mark.django_db


# --- progress and the instructor's page ----------------------------------------------------------------------------

@pytest.mark.parametrize("door_class", [SessionDoor, JWTDoor], ids=["session", "jwt"])
def test_progress_is_kept_per_participant_through_either_door(user, other_user, door_class):
    door = door_class(user.username, PASSWORD).login()
    first = door.client.post("/workshop/lab/progress/", {"step": "credentials"}, content_type="application/json",
                             **door.auth_headers(unsafe=True))
    assert (first.status_code, first.json()) == (HTTPStatus.CREATED, {"done": ["credentials"]})
    again = door.client.post("/workshop/lab/progress/", {"step": "credentials"}, content_type="application/json",
                             **door.auth_headers(unsafe=True))
    assert again.status_code == HTTPStatus.OK
    assert door.client.get("/workshop/lab/progress/", **door.auth_headers()).json() == {"done": ["credentials"]}
    other = door_class(other_user.username, PASSWORD).login()
    assert other.client.get("/workshop/lab/progress/", **other.auth_headers()).json() == {"done": []}


def test_progress_refuses_an_unknown_step_and_an_anonymous_caller(user):
    door = JWTDoor(user.username, PASSWORD).login()
    response = door.client.post("/workshop/lab/progress/", {"step": "nope"}, content_type="application/json",
                                **door.auth_headers())
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {"step": [{"message": "No such step.", "code": "invalid"}]}
    assert Client().post("/workshop/lab/progress/", {"step": "credentials"},
                         content_type="application/json").status_code == HTTPStatus.UNAUTHORIZED
    assert StepDone.objects.count() == 0


def test_the_instructor_page_is_staff_only_and_shows_every_participant(user, other_user, staff_user):
    StepDone.objects.create(user=user, step="credentials")
    StepDone.objects.create(user=user, step="simpler")
    anonymous = Client().get("/workshop/instructor/")
    assert (anonymous.status_code, anonymous["Location"]) == (
        HTTPStatus.FOUND, "/session/login/?next=/workshop/instructor/")
    participant = Client()
    participant.force_login(other_user)
    refused = participant.get("/workshop/instructor/")
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert "<h1>Staff only</h1>" in refused.content.decode() and user.username not in refused.content.decode()
    staff = Client()
    staff.force_login(staff_user)
    page = staff.get("/workshop/instructor/").content.decode()
    # Every participant from the start (bob has done nothing yet), usernames only, never staff, never an email.
    assert f'<tr data-username="{user.username}"><th scope="row">{user.username}</th>' in page and "2/13" in page
    assert f'<tr data-username="{other_user.username}"><th scope="row">{other_user.username}</th>' in page
    assert "0/13" in page
    assert f'data-username="{staff_user.username}"' not in page and user.email not in page
    assert 'http-equiv="refresh"' not in page
    # The step titles are the column headers; the footer totals each step.
    assert '<span class="visually-hidden">Step 13: Which is simpler?</span></th>' in page
    assert '<td data-step="credentials">1</td>' in page and '<td data-step="refresh">0</td>' in page


def test_the_instructor_pages_data_is_the_whole_room_for_staff_only(user, other_user, staff_user,
                                                                    django_assert_num_queries):
    done = StepDone.objects.create(user=user, step="credentials")
    participant = Client()
    participant.force_login(other_user)
    assert participant.get("/workshop/instructor/progress/").status_code == HTTPStatus.FORBIDDEN
    assert Client().get("/workshop/instructor/progress/").status_code == HTTPStatus.FORBIDDEN
    staff = Client()
    staff.force_login(staff_user)
    with django_assert_num_queries(2):  # the accounts and the steps, whatever the size of the room
        progress.room_progress()
    response = staff.get("/workshop/instructor/progress/")
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "no-store"
    room = response.json()
    assert room["participants"] == [
        {"username": user.username, "active": True, "done": ["credentials"], "count": 1,
         "last": done.done_at.isoformat()},
        {"username": other_user.username, "active": True, "done": [], "count": 0, "last": None},
    ]
    assert room["finished"] == 0
    assert [(step["slug"], step["done_by"]) for step in room["steps"]][:2] == [("credentials", 1),
                                                                               ("session-revocation", 0)]
    assert room["steps"][0] == {"slug": "credentials", "title": "What you hold", "short": "What you hold",
                                "done_by": 1}


# --- the other lab endpoints -----------------------------------------------------------------------------------------
