"""The devices page lists every login of the account on both doors (accounts.logins) and ends token logins too."""

from http import HTTPStatus

import pytest

from accounts.models import AuthEvent
from jwt_demo.models import TokenFamily
from tests.support.browsers import post_form, signed_in
from tests.support.doors import JWTDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def test_devices_page_lists_token_logins_with_device_names(user):
    laptop = signed_in("alice")
    jwt = JWTDoor(user.username, PASSWORD)
    jwt.client.defaults["HTTP_USER_AGENT"] = "curl/8.5.0"
    jwt.login()
    family = TokenFamily.objects.get(user=user)
    html = laptop.get("/session/devices/").content.decode()
    assert "Firefox 140 on Linux" in html and "curl 8" in html
    assert "token login (jwt)" in html
    assert f"/session/devices/t-{family.pk}/revoke/" in html
    assert jwt.access not in html and jwt.refresh not in html


def test_devices_page_ends_a_token_login(user):
    laptop = signed_in("alice")
    jwt = JWTDoor(user.username, PASSWORD).login()
    family = TokenFamily.objects.get(user=user)
    response = post_form(laptop, f"/session/devices/t-{family.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (HTTPStatus.FOUND, "/session/devices/")
    assert jwt.get("profile/").status_code == HTTPStatus.UNAUTHORIZED
    assert laptop.get("/session/api/profile/").status_code == HTTPStatus.OK
    assert f"t-{family.pk}" not in laptop.get("/session/devices/").content.decode()
    assert AuthEvent.objects.filter(user=user, kind=AuthEvent.Kind.LOGIN_ENDED).count() == 1


def test_another_users_token_login_is_404(user, other_user):
    laptop = signed_in("alice")
    bob = JWTDoor(other_user.username, PASSWORD).login()
    family = TokenFamily.objects.get(user=other_user)
    assert post_form(laptop, f"/session/devices/t-{family.pk}/revoke/").status_code == HTTPStatus.NOT_FOUND
    assert bob.get("profile/").status_code == HTTPStatus.OK
