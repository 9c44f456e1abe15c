"""Malformed ids, filters and selections in the admin are misses, never a 500 (API.md: no input yields a 5xx).

PostgreSQL refuses a NUL byte in a text query parameter with DataError, which Django's admin does not treat as
"no such object"; these tests run on every database and catch that on PostgreSQL.
"""

from http import HTTPStatus

import pytest
from django.contrib.messages import get_messages

from accounts.models import AuthEvent, User
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(session_door, jwt_door, user):
    """One live session and one live token login of `user`; return a snapshot function of the state."""

    def snapshot():
        return (sorted(DeviceSession.objects.values_list("session_key", flat=True)),
                sorted(TokenFamily.objects.filter(revoked_at__isnull=True).values_list("id", flat=True)),
                AuthEvent.objects.count(), sorted(User.objects.values_list("pk", "is_active")))

    before = snapshot()
    yield before
    assert snapshot() == before
    assert session_door.get("profile/").status_code == HTTPStatus.OK
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(("data", "warning"), [
    ({"action": "end_session", "session": "\x00"}, "No such session (it may have ended already)."),
    ({"action": "end_session", "session": "\x00" * 32}, "No such session (it may have ended already)."),
    ({"action": "end_session", "session": "0" * 31 + "\x00"}, "No such session (it may have ended already)."),
    ({"action": "revoke_family", "family": "\x00"}, "No such login."),
    ({"action": "revoke_family", "family": "f" * 31 + "\x00"}, "No such login."),
    ({"action": "revoke_family", "family": "F" * 32}, "No such login."),
])
def test_credentials_actions_with_malformed_ids_warn_and_change_nothing(admin_client, user, live, data, warning):
    url = f"/admin/accounts/user/{user.pk}/credentials/"
    response = admin_client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url
    assert _messages(response) == [warning]


@pytest.mark.parametrize("path", [
    "jwt_demo/tokenfamily/%00/change/", "jwt_demo/tokenfamily/%00/history/", "accounts/authevent/%00/change/",
    "accounts/user/%00/change/", "resources/note/%00/change/", "auth/group/%00/change/",
])
def test_change_pages_with_malformed_ids_are_misses(admin_client, live, path):
    response = admin_client.get(f"/admin/{path}")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/"
    [message] = _messages(response)
    assert message.endswith("doesn’t exist. Perhaps it was deleted?")


def test_user_password_page_with_malformed_id_is_404(admin_client, live):
    assert admin_client.get("/admin/accounts/user/%00/password/").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("url", [
    "/admin/jwt_demo/tokenfamily/?door=%00", "/admin/jwt_demo/tokenfamily/?revoked_reason=%00",
    "/admin/jwt_demo/tokenfamily/?id=%00", "/admin/jwt_demo/tokenfamily/?q=%00", "/admin/accounts/authevent/?kind=%00",
    "/admin/accounts/authevent/?door=%00", "/admin/accounts/user/?q=x&%00=1", "/admin/resources/note/?title=%00",
    "/admin/denylist/revocation/?kind=%00", "/admin/denylist/revocation/?q=%00",
])
def test_changelist_filters_with_nul_are_the_error_page(admin_client, live, url):
    response = admin_client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url.split("?")[0] + "?e=1"
    assert admin_client.get(response["Location"]).status_code == HTTPStatus.OK


@pytest.mark.parametrize(("changelist", "action", "selected"), [
    ("jwt_demo/tokenfamily", "revoke_families", "\x00"),
    ("jwt_demo/tokenfamily", "revoke_families", "f" * 31 + "\x00"),
    ("accounts/user", "log_out_everywhere", "\x00"),
    ("accounts/user", "suspend", "not-a-number"),
    ("auth/group", "delete_selected", "x"),
    ("resources/note", "delete_selected", "1\x00"),
])
def test_changelist_actions_with_malformed_selection_warn_and_change_nothing(admin_client, live, changelist, action,
                                                                             selected):
    url = f"/admin/{changelist}/"
    response = admin_client.post(url, {"action": action, "_selected_action": [selected]})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url
    assert _messages(response) == ["No such items: the selection names rows that cannot exist."]


def test_a_wellformed_selection_still_acts(admin_client, user, jwt_door):
    family = TokenFamily.objects.get(user=user)
    response = admin_client.post("/admin/jwt_demo/tokenfamily/",
                                 {"action": "revoke_families", "_selected_action": [family.id], "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert _messages(response) == ["1 login(s) revoked."]
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
