"""Who gets the lab's measurements (`X-Lab-Measure`): logged-in users, where the lab is served — nobody else.

The numbers tell server timings and table names; anonymous clients of a production server must not see them.
Each behaviour runs on both doors.
"""

from http import HTTPStatus

import pytest
from django.test import Client

from tests.support.doors import DOORS, JWTDoor, SessionDoor
from tests.support.flows import log_out
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db
MEASURE = {"HTTP_X_LAB_MEASURE": "1"}
HEADER = "X-Lab-Measure"


def measured_headers(response) -> set[str]:
    return {name for name in response.headers if name.lower().startswith("x-lab")}


@pytest.fixture(params=[False, True], ids=["lab-off", "lab-measure-on"])
def lab_measure(request, settings):
    settings.DEBUG = False
    settings.LAB_MEASURE = request.param
    return request.param


def test_anonymous_clients_get_no_measurement_with_debug_off(lab_measure, user):
    client = Client()
    responses = [
        client.get("/session/api/profile/", **MEASURE),
        client.get("/jwt/api/profile/", **MEASURE),
        client.get("/healthz", **MEASURE),
        client.post("/jwt/token/", {"username": user.username, "password": "wrong"},
                    content_type="application/json", **MEASURE),
        client.get("/jwt/api/profile/", HTTP_AUTHORIZATION="Bearer not-a-token", **MEASURE),
    ]
    assert [r.status_code for r in responses] == [HTTPStatus.FORBIDDEN, HTTPStatus.UNAUTHORIZED, HTTPStatus.OK,
                                                  HTTPStatus.UNAUTHORIZED, HTTPStatus.UNAUTHORIZED]
    for response in responses:
        assert measured_headers(response) == set()


def test_logged_in_users_are_measured_with_lab_measure_on(settings, door_name, user):
    settings.DEBUG, settings.LAB_MEASURE = False, True
    door = DOORS[door_name](user.username, PASSWORD).login()
    response = door.get("profile/", **MEASURE)
    assert response.status_code == HTTPStatus.OK
    assert measured_headers(response) == {HEADER}
    assert response.json()["username"] == user.username


def test_logged_in_users_are_measured_with_debug_on(settings, door_name, user):
    settings.DEBUG, settings.LAB_MEASURE = True, False
    door = DOORS[door_name](user.username, PASSWORD).login()
    assert measured_headers(door.get("profile/", **MEASURE)) == {HEADER}


def test_nobody_is_measured_with_debug_and_lab_measure_off(settings, door_name, user):
    settings.DEBUG, settings.LAB_MEASURE = False, False
    door = DOORS[door_name](user.username, PASSWORD).login()
    response = door.get("profile/", **MEASURE)
    assert response.status_code == HTTPStatus.OK
    assert measured_headers(response) == set()


def test_a_login_is_measured_and_a_logout_is_not(settings, user):
    """A successful login makes the user logged in: its cost is shown. After a logout the client is anonymous."""
    settings.DEBUG, settings.LAB_MEASURE = False, True
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1")
    browser.get("/session/login/")
    login = browser.post("/session/login/", {"username": user.username, "password": PASSWORD,
                                             "csrfmiddlewaretoken": browser.cookies["csrftoken"].value}, **MEASURE)
    assert login.status_code == HTTPStatus.FOUND
    assert measured_headers(login) == {HEADER}
    logout = browser.post("/session/logout/", HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value, **MEASURE)
    assert logout.status_code == HTTPStatus.FOUND
    assert measured_headers(logout) == set()


def test_a_revoked_token_alone_is_not_a_logged_in_user(settings, user):
    settings.DEBUG, settings.LAB_MEASURE = False, True
    door = JWTDoor(user.username, PASSWORD).login()
    log_out(door)
    response = door.get("profile/", **MEASURE)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert measured_headers(response) == set()
    # ... nor when it is presented to an endpoint that does not authenticate (the refresh endpoint)
    refresh = Client().post("/jwt/token/refresh/", {"refresh": door.refresh}, content_type="application/json",
                            HTTP_AUTHORIZATION=f"Bearer {door.access}", **MEASURE)
    assert refresh.status_code == HTTPStatus.UNAUTHORIZED
    assert measured_headers(refresh) == set()


def test_a_live_credential_of_either_door_counts_on_an_endpoint_that_does_not_authenticate(settings, user):
    """The refresh endpoint authenticates nobody (its body is the credential); a participant's session cookie or
    access token still says who is asking."""
    settings.DEBUG, settings.LAB_MEASURE = False, True
    session = SessionDoor(user.username, PASSWORD).login()
    token = JWTDoor(user.username, PASSWORD).login()
    with_cookie = session.client.post("/jwt/token/refresh/", {"refresh": token.refresh},
                                      content_type="application/json", **MEASURE)
    assert with_cookie.status_code == HTTPStatus.OK
    assert measured_headers(with_cookie) == {HEADER}
    again = Client().post("/jwt/token/refresh/", {"refresh": with_cookie.json()["refresh"]},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token.access}", **MEASURE)
    assert again.status_code == HTTPStatus.OK
    assert measured_headers(again) == {HEADER}
