"""The console's pages: who may see and act, the cross-user lists (filters, search, bulk end with confirmation),
branding and links, append-only auth events, and no 500 for any id, filter or form value."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from accounts.models import AuthEvent, User
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.browsers import FIREFOX
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["/admin/console/", "/admin/console/sessions/", "/admin/console/tokens/"]


def _staff(username: str, *codenames: str) -> Client:
    member = User.objects.create_user(username, f"{username}@example.test", PASSWORD, is_staff=True)
    member.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def viewer(db):
    return _staff("viewer", "view_user")


@pytest.fixture
def changer(db):
    return _staff("changer", "view_user", "change_user")


@pytest.fixture
def live(user):
    """alice on both doors (Firefox on Linux, and a JWT client from another address)."""
    session = SessionDoor(user.username, PASSWORD)
    session.client.defaults["HTTP_USER_AGENT"] = FIREFOX
    session.login()
    jwt = JWTDoor(user.username, PASSWORD)
    jwt.client.defaults["REMOTE_ADDR"] = "192.0.2.44"
    jwt.login()
    return session, jwt


# --- permissions ---------------------------------------------------------------------------------------------
def test_anonymous_and_non_staff_get_the_login_page(client, user, live):
    client.force_login(user)
    for url in [*PAGES, f"/admin/console/users/{user.pk}/"]:
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/admin/login/")
        assert Client().get(url)["Location"].startswith("/admin/login/")


def test_staff_without_the_view_permission_get_nothing(user, live):
    nobody = _staff("nobody")
    for url in [*PAGES, f"/admin/console/users/{user.pk}/"]:
        assert nobody.get(url).status_code == HTTPStatus.FORBIDDEN
    assert "console-links" not in nobody.get("/admin/").content.decode()


def test_view_only_staff_see_everything_and_can_end_nothing(viewer, user, live):
    session, jwt = live
    for url in [*PAGES, f"/admin/console/users/{user.pk}/"]:
        response = viewer.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert 'type="submit" value="End' not in response.content.decode()
        assert 'name="ids"' not in response.content.decode()
    family = TokenFamily.objects.get(user=user)
    assert viewer.post(f"/admin/console/users/{user.pk}/", {"action": "revoke_family", "family": family.pk}
                       ).status_code == HTTPStatus.FORBIDDEN
    assert viewer.post("/admin/console/tokens/", {"ids": [f"t-{family.pk}"], "confirm": "yes"}
                       ).status_code == HTTPStatus.FORBIDDEN
    assert viewer.post(f"/admin/console/users/{user.pk}/", {"action": "suspend", "confirm": "yes"}
                       ).status_code == HTTPStatus.FORBIDDEN
    assert jwt.get("profile/").status_code == HTTPStatus.OK and session.get("profile/").status_code == HTTPStatus.OK
    assert User.objects.get(pk=user.pk).is_active


def test_staff_with_change_permission_act(changer, user, live):
    _session, jwt = live
    family = TokenFamily.objects.get(user=user)
    response = changer.post(f"/admin/console/users/{user.pk}/", {"action": "revoke_family", "family": family.pk,
                                                                "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_ENDED)
    assert event.door == "admin" and event.detail.endswith("by changer")


# --- the user page -------------------------------------------------------------------------------------------
def test_user_page_shows_device_names_and_true_states(admin_client, user, live, admin_user):
    _session, jwt = live
    page = admin_client.get(f"/admin/console/users/{user.pk}/").content.decode()
    assert "Firefox 140 on Linux" in page
    admin_client.post(f"/admin/console/users/{user.pk}/", {"action": "log_out_everywhere", "confirm": "yes"})
    page = admin_client.get(f"/admin/console/users/{user.pk}/").content.decode()
    assert "Revoke login" not in page and "End session" not in page  # dead rows offer no action
    assert f"ended: logged out everywhere by {admin_user.username}" in page
    assert "No live sessions." in page
    events = AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.LOGOUT_EVERYWHERE)
    assert [e.detail for e in events] == [f"by {admin_user.username}"]


def test_suspend_with_confirmation_names_the_administrator(admin_client, user, live, admin_user):
    session, jwt = live
    url = f"/admin/console/users/{user.pk}/"
    confirm = admin_client.post(url, {"action": "suspend"})
    assert confirm.status_code == HTTPStatus.OK and 'name="confirm" value="yes"' in confirm.content.decode()
    assert User.objects.get(pk=user.pk).is_active
    assert admin_client.post(url, {"action": "suspend", "confirm": "yes"}).status_code == HTTPStatus.FOUND
    assert not User.objects.get(pk=user.pk).is_active
    assert AuthEvent.objects.get(user=user, kind=AuthEvent.Kind.SUSPENDED).detail == f"by {admin_user.username}"
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    assert "ended: account suspended by admin" in admin_client.get(url).content.decode()


# --- the cross-user lists ------------------------------------------------------------------------------------
def test_lists_show_only_live_logins(admin_client, user, other_user, live):
    bob = JWTDoor(other_user.username, PASSWORD).login()
    TokenFamily.objects.filter(user=other_user).update(door="hybrid")
    page = admin_client.get("/admin/console/tokens/").content.decode()
    assert page.count('name="ids"') == 2
    for family in TokenFamily.objects.all():
        assert f't-{family.pk}' in page
    admin_client.post(f"/admin/console/users/{other_user.pk}/", {"action": "log_out_everywhere", "confirm": "yes"})
    page = admin_client.get("/admin/console/tokens/").content.decode()
    assert page.count('name="ids"') == 1 and "1 live token login." in page
    assert bob.get("profile/").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize(("query", "expected"), [
    ("", 2), ("door=jwt", 1), ("door=hybrid", 1), ("user=alice", 1), ("user=bob", 1), ("user=carol", 0),
    ("ip=192.0.2.44", 1), ("ip=127.0.0.1", 1), ("ip=10.9.9.9", 0), ("device=Firefox", 0), ("q=bob", 1),
    ("q=192.0.2.44", 1), ("age=1h", 2), ("age=older", 0), ("age=bogus", 2), ("q=alice&door=hybrid", 0),
])
def test_token_list_filters(admin_client, user, other_user, live, query, expected):
    JWTDoor(other_user.username, PASSWORD).login()
    TokenFamily.objects.filter(user=other_user).update(door="hybrid")
    response = admin_client.get(f"/admin/console/tokens/?{query}")
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count('name="ids"') == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("device=Firefox", 1), ("device=Chrome", 0), ("user=alice", 1), ("q=firefox", 1), ("age=24h", 2),
])
def test_session_list_filters(admin_client, user, live, query, expected):
    response = admin_client.get(f"/admin/console/sessions/?{query}")
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count('name="ids"') == expected  # alice's and the administrator's


def test_bulk_end_confirms_then_ends(admin_client, user, other_user, live, admin_user):
    session, jwt = live
    bob = SessionDoor(other_user.username, PASSWORD).login()
    ids = [f"s-{DeviceSession.objects.get(session_key=k).digest}" for k in (session.session_key, bob.session_key)]
    confirm = admin_client.post("/admin/console/sessions/", {"ids": ids})
    assert confirm.status_code == HTTPStatus.OK
    assert "End 2 logins?" in confirm.content.decode()
    assert session.get("profile/").status_code == HTTPStatus.OK and bob.get("profile/").status_code == HTTPStatus.OK
    done = admin_client.post("/admin/console/sessions/", {"ids": ids, "confirm": "yes"})
    assert done.status_code == HTTPStatus.FOUND and done["Location"] == "/admin/console/sessions/"
    assert session.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert bob.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert jwt.get("profile/").status_code == HTTPStatus.OK
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_ENDED, door="admin",
                                    detail__endswith=f"by {admin_user.username}").count() == 2


def test_bulk_end_of_the_wrong_kind_or_unknown_ids_ends_nothing(admin_client, user, live):
    _session, jwt = live
    family = TokenFamily.objects.get(user=user)
    for ids in ([f"t-{family.pk}"], ["s-" + "0" * 32], ["\x00"], ["x" * 5000], []):
        response = admin_client.post("/admin/console/sessions/", {"ids": ids, "confirm": "yes"})
        assert response.status_code == HTTPStatus.FOUND
    assert jwt.get("profile/").status_code == HTTPStatus.OK
    assert DeviceSession.objects.filter(user=user).count() == 1


# --- hostile input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "/admin/console/users/0/", "/admin/console/users/-1/", "/admin/console/users/x/", "/admin/console/users/%00/",
    "/admin/console/users/99999999999999999999999/", "/admin/console/users/1%00/",
    "/admin/accounts/user/%00/credentials/", "/admin/accounts/user/99999999999999999999/credentials/",
])
def test_unknown_or_malformed_users_are_404(admin_client, url):
    assert admin_client.get(url).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("query", [
    "q=%00", "door=%00", "ip=%00", "ip=999.1.1.1", "ip=" + "1" * 5000, "device=%00", "age=%00", "user=%00",
    "page=-1", "page=99999999999999999999", "page=x", "page=%00", "%00=1", "q=" + "x" * 10000, "user=-1",
])
@pytest.mark.parametrize("page", ["sessions", "tokens"])
def test_list_filters_never_500(admin_client, live, page, query):
    response = admin_client.get(f"/admin/console/{page}/?{query}")
    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("data", [
    {"action": "end_login", "login": "\x00"}, {"action": "end_login", "login": "t-" + "0" * 32},
    {"action": "end_login", "login": "s-" + "f" * 5000}, {"action": "suspend\x00"}, {"action": ""},
    {"action": "revoke_family", "family": "-1"}, {"action": "end_session", "session": "9" * 40},
])
def test_user_page_actions_never_500(admin_client, user, live, data):
    session, jwt = live
    response = admin_client.post(f"/admin/console/users/{user.pk}/", data)
    assert response.status_code == HTTPStatus.FOUND
    assert session.get("profile/").status_code == HTTPStatus.OK and jwt.get("profile/").status_code == HTTPStatus.OK


# --- branding, links, auth events ------------------------------------------------------------------------------
def test_branding_and_links(admin_client, user):
    index = admin_client.get("/admin/").content.decode()
    assert "Token Lab administration" in index and "Django administration" not in index
    assert 'href="/admin/console/"' in index
    change = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert f'href="/admin/console/users/{user.pk}/"' in change


def test_auth_events_are_append_only(admin_client, user, live):
    event = AuthEvent.objects.filter(user=user).first()
    listing = admin_client.get("/admin/accounts/authevent/").content.decode()
    assert "delete_selected" not in listing and "/admin/accounts/authevent/add/" not in listing
    assert admin_client.get("/admin/accounts/authevent/add/").status_code == HTTPStatus.FORBIDDEN
    assert admin_client.get(f"/admin/accounts/authevent/{event.pk}/delete/").status_code == HTTPStatus.FORBIDDEN
    assert admin_client.post(f"/admin/accounts/authevent/{event.pk}/change/", {"detail": "x"}
                             ).status_code == HTTPStatus.FORBIDDEN
    assert AuthEvent.objects.filter(pk=event.pk, detail=event.detail).exists()


def test_purge_auth_events_keeps_the_retention(settings, user):
    from datetime import timedelta

    from django.utils import timezone

    old = AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN, user=user)
    AuthEvent.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    recent = AuthEvent.objects.create(kind=AuthEvent.Kind.LOGIN, user=user)
    settings.AUTH_EVENT_RETENTION_DAYS = 30
    call_command("purge_auth_events")
    assert list(AuthEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    call_command("purge_auth_events", days=1)
    assert AuthEvent.objects.filter(pk=recent.pk).exists()


def test_revocation_list_shows_the_latest_cut_off_beside_its_reason(admin_client, user):
    from accounts import services
    from denylist.clock import ms_datetime
    from denylist.models import Revocation

    services.user_log_out_everywhere(user=user)
    user.set_password("another long passphrase 2026")
    user.save()
    row = Revocation.objects.get(kind="u", key=str(user.pk))
    assert row.reason == "password_changed"
    response = admin_client.get("/admin/denylist/revocation/")
    assert response.status_code == HTTPStatus.OK
    cl = response.context["cl"]
    assert cl.model_admin.cutoff_at(row) == ms_datetime(row.cutoff_ms) > row.created


def test_token_family_list_shows_the_true_state(admin_client, user, live, admin_user):
    _session, jwt = live
    family = TokenFamily.objects.get(user=user)
    admin_client.post(f"/admin/console/users/{user.pk}/", {"action": "log_out_everywhere", "confirm": "yes"})
    assert TokenFamily.objects.get(pk=family.pk).revoked_at is None  # the row alone would say "live"
    page = admin_client.get("/admin/jwt_demo/tokenfamily/").content.decode()
    assert "logged out everywhere by admin" in page
    assert admin_client.get("/admin/jwt_demo/tokenfamily/?state=live").context["cl"].result_count == 0
    assert admin_client.get("/admin/jwt_demo/tokenfamily/?state=dead").context["cl"].result_count == 1
    assert admin_client.get("/admin/jwt_demo/tokenfamily/?state=x").status_code == HTTPStatus.OK
