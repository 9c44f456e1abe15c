"""No admin page shows or links a live session key or a token (API.md, "Revocation on every path").

A session row's primary key is the session key: an admin list linking rows by primary key hands every staff
member, even a view-only one, the keys of everyone's live sessions — a superuser's included — to replay.
"""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.authtoken.models import Token, TokenProxy

from accounts.models import User
from jwt_demo.models import RefreshToken, TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(db):
    """A staff member who may view every model and change none."""
    viewer = User.objects.create_user("viewer", "viewer@example.test", PASSWORD, is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.login(username="viewer", password=PASSWORD)
    return client


@pytest.fixture
def secrets_in_play(user, admin_user):
    """Live sessions and tokens of a user and of a superuser, through both doors; return every secret string."""
    admin_user.set_password(PASSWORD)
    admin_user.save()
    doors = [door(name, PASSWORD).login() for name in (user.username, admin_user.username)
             for door in (SessionDoor, JWTDoor)]
    secrets = set(DeviceSession.objects.values_list("session_key", flat=True))
    secrets |= {token for d in doors if isinstance(d, JWTDoor) for token in (d.access, d.refresh)}
    # A DRF token (the benchmark's reference door): its admin shows only while one exists, and never its key.
    secrets.add(Token.objects.create(user=user).key)
    assert len(secrets) >= 6
    return secrets


def _admin_pages(users) -> list[str]:
    """Every admin page about the objects in play: indexes, changelists, change and history pages, credentials."""
    pages = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        pages += [f"/admin/{opts.app_label}/", base]
        if model is TokenProxy:
            continue  # a DRF token's own pages would be titled by its key: test_drf_token_pages_are_refused
        for pk in model._default_manager.values_list("pk", flat=True)[:50]:
            pages += [f"{base}{pk}/change/", f"{base}{pk}/history/"]
    pages += [f"/admin/accounts/user/{u.pk}/credentials/" for u in users]
    pages += ["/admin/console/", "/admin/console/sessions/", "/admin/console/tokens/"]
    pages += [f"/admin/console/users/{u.pk}/" for u in users]
    return pages


@pytest.mark.parametrize("who", ["viewer", "superuser"])
def test_no_admin_page_shows_a_session_key_or_a_token(request, who, secrets_in_play, user, admin_user):
    client = request.getfixturevalue("viewer") if who == "viewer" else request.getfixturevalue("admin_client")
    secrets = secrets_in_play | set(DeviceSession.objects.values_list("session_key", flat=True))
    assert TokenFamily.objects.exists() and RefreshToken.objects.exists()
    pages = _admin_pages([user, admin_user])
    for page in pages:
        response = client.get(page)
        assert response.status_code == HTTPStatus.OK, page
        html = response.content.decode()
        leaked = [s[:8] for s in secrets if s in html]
        assert not leaked, f"{page} shows a live secret starting {leaked}"


def test_raw_session_rows_have_no_admin(admin_client, session_door):
    assert DeviceSession not in admin.site._registry
    key = session_door.session_key
    assert admin_client.get("/admin/sessions_demo/devicesession/").status_code == HTTPStatus.NOT_FOUND
    assert admin_client.get(f"/admin/sessions_demo/devicesession/{key}/change/").status_code == HTTPStatus.NOT_FOUND
    assert DeviceSession.objects.filter(session_key=key).exists()


def test_drf_token_pages_are_refused(admin_client, user):
    assert admin_client.get("/admin/authtoken/").status_code == HTTPStatus.NOT_FOUND  # hidden: no token exists
    key = Token.objects.create(user=user).key
    listing = admin_client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == HTTPStatus.OK and key not in listing.content.decode()
    for page in ["change", "history", "delete"]:
        response = admin_client.get(f"/admin/authtoken/tokenproxy/{user.pk}/{page}/")
        assert response.status_code in {HTTPStatus.FORBIDDEN, HTTPStatus.FOUND}, page
        assert key not in response.content.decode()
