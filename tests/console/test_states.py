"""The console shows and acts on both doors' logins the same way (issue 19 item 7): an ended login of either door
leaves the live tables for the "ended" list with its reason; ending one login confirms as the bulk actions do;
the reason names the administrator once; the administrator's address and device are in the auth log; a bulk end
keeps the list's filters; the dangerous buttons look it; and every table header says what its column is."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import AuthEvent, User
from console import actions
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.browsers import FIREFOX
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

ADMIN_ADDRESS = "198.51.100.7"
ADMIN_DEVICE = "Firefox 140 on Linux"


@pytest.fixture
def admin_browser(admin_client):
    """The administrator's client, from a known address and browser."""
    admin_client.defaults.update(REMOTE_ADDR=ADMIN_ADDRESS, HTTP_USER_AGENT=FIREFOX)
    return admin_client


@pytest.fixture
def doors(user):
    return SessionDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login()


def _one(user, kind: str) -> tuple[str, dict]:
    """Return (public login id, the user page's form data ending it) of the user's only login of `kind`."""
    if kind == "session":
        digest = DeviceSession.objects.get(user=user).digest
        return f"s-{digest}", {"action": "end_session", "session": digest}
    family = TokenFamily.objects.get(user=user).pk
    return f"t-{family}", {"action": "revoke_family", "family": family}


def _rows(page: str, table: str) -> str:
    return page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize("kind", ["session", "token"])
def test_ending_one_login_asks_first_then_ends_it(admin_browser, user, doors, kind):
    session, jwt = doors
    url = f"/admin/console/users/{user.pk}/"
    login_id, data = _one(user, kind)
    confirm = admin_browser.post(url, data)
    assert confirm.status_code == HTTPStatus.OK
    page = confirm.content.decode()
    assert 'name="confirm" value="yes"' in page and "cannot be undone" in page
    assert ("End this session of alice?" if kind == "session" else "Revoke this token login of alice?") in page
    assert session.get("profile/").status_code == HTTPStatus.OK and jwt.get("profile/").status_code == HTTPStatus.OK
    assert not AuthEvent.objects.filter(door="admin").exists()

    done = admin_browser.post(url, {**data, "confirm": "yes"})
    assert (done.status_code, done["Location"]) == (HTTPStatus.FOUND, url)
    dead, alive = (session, jwt) if kind == "session" else (jwt, session)
    assert dead.get("profile/").status_code in {HTTPStatus.FORBIDDEN, HTTPStatus.UNAUTHORIZED}
    assert alive.get("profile/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("kind", ["session", "token"])
def test_an_ended_login_of_either_door_moves_to_the_ended_list(admin_browser, user, doors, kind):
    url = f"/admin/console/users/{user.pk}/"
    login_id, data = _one(user, kind)
    admin_browser.post(url, {**data, "confirm": "yes"})
    page = admin_browser.get(url).content.decode()
    assert login_id not in _rows(page, "sessions") and login_id not in _rows(page, "tokens")
    ended = _rows(page, "ended")
    assert ended.count("<tr data-kind=") + ended.count("<tr data-login=") == 1
    assert login_id[2:10] in ended
    assert "ended by administrator admin" in ended and "ended: ended" not in ended
    assert "by an administrator by" not in page


def test_both_doors_appear_alike_after_log_out_everywhere(admin_browser, user, doors):
    url = f"/admin/console/users/{user.pk}/"
    admin_browser.post(url, {"action": "log_out_everywhere", "confirm": "yes"})
    page = admin_browser.get(url).content.decode()
    assert "No live sessions." in _rows(page, "sessions") and "No live token logins." in _rows(page, "tokens")
    ended = _rows(page, "ended")
    assert re.search(r'data-kind="session"><td>[^<]+</td><td>any session signed in before ', ended)
    assert re.search(r'data-kind="token"><td>[^<]+</td><td>token login ', ended)
    assert ended.count("ended: logged out everywhere by admin") == 2


def test_a_session_logout_is_listed_with_its_device(admin_browser, user):
    laptop = SessionDoor(user.username, PASSWORD)
    laptop.client.defaults.update(HTTP_USER_AGENT=FIREFOX, REMOTE_ADDR="192.0.2.10")
    laptop.login()
    laptop.client.post("/session/logout/", HTTP_X_CSRFTOKEN=laptop.client.cookies["csrftoken"].value)
    ended = _rows(admin_browser.get(f"/admin/console/users/{user.pk}/").content.decode(), "ended")
    assert "<td>" + ADMIN_DEVICE + "</td><td>192.0.2.10</td>" in ended and "ended: logged out" in ended


@pytest.mark.parametrize("action", ["end_session", "revoke_family", "log_out_everywhere", "suspend", "reactivate"])
def test_admin_events_record_the_administrators_address_and_device(admin_browser, user, doors, action):
    if action == "reactivate":
        user.is_active = False
        user.save()
    data = {"action": action, "confirm": "yes"}
    if action in {"end_session", "revoke_family"}:
        data.update(_one(user, "session" if action == "end_session" else "token")[1])
    before = set(AuthEvent.objects.values_list("pk", flat=True))
    response = admin_browser.post(f"/admin/console/users/{user.pk}/", data)
    assert response.status_code == HTTPStatus.FOUND
    events = AuthEvent.objects.exclude(pk__in=before)
    assert events.count() == 1
    event = events.get()
    assert (event.user_id, event.door, event.ip, event.user_agent) == (user.pk, "admin", ADMIN_ADDRESS, FIREFOX)
    page = admin_browser.get(f"/admin/console/users/{user.pk}/").content.decode()
    assert f"<td>{ADMIN_ADDRESS}</td><td title=\"{FIREFOX}\">{ADMIN_DEVICE}</td>" in _rows(page, "events")


def test_a_bulk_end_keeps_the_lists_filters_and_records_the_administrator(admin_browser, user, other_user, doors):
    SessionDoor(other_user.username, PASSWORD).login()
    query = "user=alice&age=24h"
    listing = admin_browser.get(f"/admin/console/sessions/?{query}&page=1").content.decode()
    assert f'<form method="post" action="?{query.replace("&", "&amp;")}">' in listing
    login_id, _data = _one(user, "session")
    confirm = admin_browser.post(f"/admin/console/sessions/?{query}", {"ids": [login_id]})
    page = confirm.content.decode()
    assert f'action="/admin/console/sessions/?{query.replace("&", "&amp;")}"' in page
    assert f'href="/admin/console/sessions/?{query.replace("&", "&amp;")}"' in page  # "No, take me back"
    done = admin_browser.post(f"/admin/console/sessions/?{query}", {"ids": [login_id], "confirm": "yes"})
    assert (done.status_code, done["Location"]) == (HTTPStatus.FOUND, f"/admin/console/sessions/?{query}")
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_ENDED)
    assert (event.ip, event.user_agent) == (ADMIN_ADDRESS, FIREFOX)
    assert DeviceSession.objects.filter(user=other_user).count() == 1


def test_a_bulk_end_with_nothing_chosen_keeps_the_filters_too(admin_client, doors):
    done = admin_client.post("/admin/console/tokens/?door=jwt&q=alice", {"ids": []})
    assert (done.status_code, done["Location"]) == (HTTPStatus.FOUND, "/admin/console/tokens/?door=jwt&q=alice")


def test_dangerous_actions_look_dangerous(admin_client, user, doors):
    page = admin_client.get(f"/admin/console/users/{user.pk}/").content.decode()
    for label in ("Suspend account", "Log out everywhere", "End session", "Revoke login"):
        assert f'value="{label}" class="danger"' in page, label
    assert "console/console.css" in page
    confirm = admin_client.post(f"/admin/console/users/{user.pk}/", {"action": "suspend"}).content.decode()
    assert 'class="danger" id="confirm-yes"' in confirm
    assert 'id="bulk-end" class="danger"' in admin_client.get("/admin/console/sessions/").content.decode()


def test_the_action_table_confirms_every_action_that_cannot_be_undone():
    assert set(actions.USER_ACTIONS) == {"end_session", "revoke_family", "log_out_everywhere", "suspend", "reactivate"}
    assert {name for name, action in actions.USER_ACTIONS.items() if action.confirm} == {
        "end_session", "revoke_family", "log_out_everywhere", "suspend"}
    assert {action.permission for action in actions.USER_ACTIONS.values()} == {actions.CHANGE}


@pytest.mark.parametrize("action", sorted(actions.USER_ACTIONS))
def test_view_only_staff_cannot_take_or_be_asked_to_confirm_any_action(user, doors, action):
    viewer = User.objects.create_user("viewer", "viewer@example.test", PASSWORD, is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_user"))
    client = Client()
    client.force_login(viewer)
    for data in ({"action": action}, {"action": action, "confirm": "yes"}):
        assert client.post(f"/admin/console/users/{user.pk}/", {**data, **_one(user, "token")[1],
                                                                  "action": action}).status_code == 403
    assert User.objects.get(pk=user.pk).is_active
    assert not AuthEvent.objects.filter(door="admin").exists()


@pytest.mark.parametrize("url", ["/admin/console/", "/admin/console/sessions/", "/admin/console/tokens/", "user"])
def test_every_table_header_says_what_its_column_is(admin_client, user, doors, url):
    page = admin_client.get(f"/admin/console/users/{user.pk}/" if url == "user" else url).content.decode()
    headers = re.findall(r"<th[^>]*>(.*?)</th>", page, flags=re.S)
    assert headers
    assert all(re.sub(r"<[^>]+>", "", header).strip() for header in headers), headers


@pytest.mark.parametrize("action", ["log_out_everywhere", "suspend", "reactivate"])
def test_the_user_changelists_actions_record_the_administrators_address_and_device(admin_browser, user, action):
    before = set(AuthEvent.objects.values_list("pk", flat=True))
    response = admin_browser.post("/admin/accounts/user/", {"action": action, "_selected_action": [user.pk],
                                                            "index": 0, "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    event = AuthEvent.objects.exclude(pk__in=before).get()
    assert (event.user_id, event.door, event.ip, event.user_agent) == (user.pk, "admin", ADMIN_ADDRESS, FIREFOX)


def test_the_token_login_changelists_revoke_records_the_administrators_address_and_device(admin_browser, user,
                                                                                           doors):
    family = TokenFamily.objects.get(user=user).pk
    response = admin_browser.post("/admin/jwt_demo/tokenfamily/", {
        "action": "revoke_families", "_selected_action": [family], "index": 0, "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_ENDED)
    assert (event.user_id, event.door, event.ip, event.user_agent) == (user.pk, "admin", ADMIN_ADDRESS, FIREFOX)


def test_a_token_login_purged_after_its_end_stays_in_the_ended_list_like_a_session(admin_client, user, doors):
    url = f"/admin/console/users/{user.pk}/"
    for kind in ("session", "token"):
        admin_client.post(url, {**_one(user, kind)[1], "confirm": "yes"})
    family = TokenFamily.objects.get(user=user).pk
    TokenFamily.objects.filter(pk=family).delete()  # what `manage.py purge` does once its refresh tokens expire
    ended = _rows(admin_client.get(url).content.decode(), "ended")
    assert f"token login {family[:8]}…" in ended
    assert ended.count("ended by administrator admin") == 2


def test_the_user_pages_queries_do_not_grow_with_its_logins(admin_client, user, doors, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/admin/console/users/{user.pk}/"
    admin_client.get(url)  # the administrator's session and permissions, as on every later request
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == HTTPStatus.OK
        counted = len(few)  # read inside the block: the log is a live view, cleared after it
    assert counted > 0
    for _ in range(3):
        SessionDoor(user.username, PASSWORD).login()
        JWTDoor(user.username, PASSWORD).login()
    for kind_prefix, field, action in (("s", "session", "end_session"), ("t", "family", "revoke_family")):
        for key in ([s.digest for s in DeviceSession.objects.filter(user=user)][:2] if kind_prefix == "s"
                    else list(TokenFamily.objects.filter(user=user).values_list("pk", flat=True))[:2]):
            admin_client.post(url, {"action": action, field: key, "confirm": "yes"})
    with django_assert_num_queries(counted):
        page = admin_client.get(url).content.decode()
    assert page.count("ended by administrator admin") == 4


def test_the_token_login_admin_filters_by_reason_in_words(admin_client, user, doors):
    JWTDoor(user.username, PASSWORD).login()
    admin_client.post(f"/admin/console/users/{user.pk}/", {**{"action": "revoke_family", "confirm": "yes"},
                                                           "family": TokenFamily.objects.first().pk})
    page = admin_client.get("/admin/jwt_demo/tokenfamily/").content.decode()
    assert '<a href="?revoked_reason=admin">ended by an administrator</a>' in page
    assert 'href="?revoked_reason="' not in page
    assert admin_client.get("/admin/jwt_demo/tokenfamily/?revoked_reason=admin").context["cl"].result_count == 1
    refused = admin_client.get("/admin/jwt_demo/tokenfamily/?revoked_reason=%00")  # the admin's input guard
    assert (refused.status_code, refused["Location"]) == (HTTPStatus.FOUND, "/admin/jwt_demo/tokenfamily/?e=1")
