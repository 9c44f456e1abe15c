"""The console's page of one user: sessions and token logins of both doors, their true state, and the actions."""

from http import HTTPStatus

import pytest

from accounts.models import AuthEvent, User
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(admin_client, user):
    return admin_client, f"/admin/accounts/user/{user.pk}/credentials/"


def test_credentials_page_lists_sessions_and_token_families(console, session_door, jwt_door, user):
    client, url = console
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    session = DeviceSession.objects.get(user=user)
    family = TokenFamily.objects.get(user=user)
    assert session.digest in page
    assert family.id in page
    assert jwt_door.access not in page and jwt_door.refresh not in page
    assert session_door.session_key not in page


def test_end_session_from_admin_logs_that_device_out(console, session_door, user):
    client, url = console
    digest = DeviceSession.objects.get(user=user).digest
    response = client.post(url, {"action": "end_session", "session": digest, "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not DeviceSession.objects.filter(user=user).exists()
    assert session_door.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.SESSION_REVOKED, door="admin").count() == 1


def test_revoke_family_from_admin_kills_access_and_refresh(console, jwt_door, user):
    client, url = console
    family = TokenFamily.objects.get(user=user)
    assert client.post(url, {"action": "revoke_family", "family": family.id, "confirm": "yes"}
                       ).status_code == HTTPStatus.FOUND
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    refresh = jwt_door.client.post("/jwt/token/refresh/", {"refresh": jwt_door.refresh},
                                   content_type="application/json")
    assert refresh.status_code == HTTPStatus.UNAUTHORIZED
    family.refresh_from_db()
    assert family.revoked_reason == "admin"


def test_log_out_everywhere_asks_for_confirmation_first(console, session_door, jwt_door, user):
    client, url = console
    response = client.post(url, {"action": "log_out_everywhere"})
    assert response.status_code == HTTPStatus.OK
    assert "Log alice out everywhere?" in response.content.decode()
    assert session_door.get("profile/").status_code == HTTPStatus.OK
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGOUT_EVERYWHERE).exists()


def test_log_out_everywhere_from_admin_ends_both_doors(console, session_door, jwt_door, user, admin_user):
    client, url = console
    assert client.post(url, {"action": "log_out_everywhere", "confirm": "yes"}).status_code == HTTPStatus.FOUND
    assert session_door.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED


def test_suspend_then_reactivate(console, session_door, jwt_door, user):
    client, url = console
    assert client.post(url, {"action": "suspend"}).status_code == HTTPStatus.OK  # the confirmation page
    user.refresh_from_db()
    assert user.is_active is True
    client.post(url, {"action": "suspend", "confirm": "yes"})
    user.refresh_from_db()
    assert user.is_active is False
    assert session_door.get("profile/").status_code == HTTPStatus.FORBIDDEN
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    client.post(url, {"action": "reactivate"})
    user.refresh_from_db()
    assert user.is_active is True
    # Credentials ended by the suspension stay dead after reactivation.
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    assert jwt_door.login().get("profile/").status_code == HTTPStatus.OK


@pytest.mark.parametrize("data", [
    {"action": "end_session", "session": "nope"}, {"action": "revoke_family", "family": "0" * 32},
    {"action": "drop_tables"}, {},
])
def test_bad_actions_change_nothing(console, session_door, jwt_door, user, data):
    client, url = console
    assert client.post(url, data).status_code == HTTPStatus.FOUND
    assert DeviceSession.objects.filter(user=user).count() == 1
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    assert session_door.get("profile/").status_code == HTTPStatus.OK
    assert jwt_door.get("profile/").status_code == HTTPStatus.OK


def test_other_users_session_cannot_be_ended_through_this_user(console, other_user):
    from tests.support.doors import SessionDoor
    from tests.support.suite import PASSWORD

    other = SessionDoor(other_user.username, PASSWORD).login()
    client, url = console
    digest = DeviceSession.objects.get(user=other_user).digest
    client.post(url, {"action": "end_session", "session": digest, "confirm": "yes"})
    assert other.get("profile/").status_code == HTTPStatus.OK


def test_console_requires_staff(client, user):
    response = client.get(f"/admin/accounts/user/{user.pk}/credentials/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_admin_cannot_suspend_self_via_console(admin_client, admin_user):
    admin_client.post(f"/admin/accounts/user/{admin_user.pk}/credentials/", {"action": "suspend", "confirm": "yes"})
    assert User.objects.get(pk=admin_user.pk).is_active is True


def test_changelist_actions(admin_client, user, jwt_door):
    response = admin_client.post("/admin/accounts/user/", {"action": "suspend", "_selected_action": [user.pk]})
    assert response.status_code == HTTPStatus.OK  # the confirmation page
    assert User.objects.get(pk=user.pk).is_active is True
    response = admin_client.post("/admin/accounts/user/", {"action": "suspend", "_selected_action": [user.pk],
                                                           "confirm": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(pk=user.pk).is_active is False
    assert jwt_door.get("profile/").status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.parametrize("url", ["/admin/jwt_demo/tokenfamily/",
                                 "/admin/denylist/revocation/", "/admin/accounts/authevent/",
                                 "/admin/accounts/user/"])
def test_admin_lists_render(admin_client, session_door, jwt_door, url):
    assert admin_client.get(url).status_code == HTTPStatus.OK


def test_family_page_pages_its_refresh_tokens(admin_client, jwt_door, user):
    from datetime import timedelta

    from django.utils import timezone

    from console.admin import REFRESH_TOKENS_PER_PAGE
    from jwt_demo.models import RefreshToken

    family = TokenFamily.objects.get(user=user)
    RefreshToken.objects.filter(family=family).delete()
    start = timezone.now() - timedelta(days=1)
    rows = [RefreshToken(jti=f"{i:032x}", family=family, issued_at=start + timedelta(minutes=i),
                         expires_at=start + timedelta(days=14)) for i in range(REFRESH_TOKENS_PER_PAGE + 5)]
    RefreshToken.objects.bulk_create(rows)
    url = f"/admin/jwt_demo/tokenfamily/{family.id}/change/"
    page = admin_client.get(url).content.decode()
    assert f"Refresh tokens 1–{REFRESH_TOKENS_PER_PAGE} of {REFRESH_TOKENS_PER_PAGE + 5}, newest first." in page
    assert all(row.jti in page for row in rows[5:])
    assert not any(row.jti in page for row in rows[:5])
    page = admin_client.get(url + "?refresh_page=2").content.decode()
    assert all(row.jti in page for row in rows[:5]) and not any(row.jti in page for row in rows[5:])
    for bad in ["-1", "99999999999999999999", "x", "%00"]:
        assert admin_client.get(f"{url}?refresh_page={bad}").status_code == HTTPStatus.OK


def test_family_page_with_few_refresh_tokens_shows_them_all(admin_client, jwt_door, user):
    family = TokenFamily.objects.get(user=user)
    response = admin_client.get(f"/admin/jwt_demo/tokenfamily/{family.id}/change/")
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "refresh-token-pages" not in page
    assert all(jti in page for jti in family.refresh_tokens.values_list("jti", flat=True))
