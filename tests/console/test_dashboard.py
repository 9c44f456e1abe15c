"""The console's dashboard: its numbers match the database, and it renders in both modes."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import AuthEvent
from console import selectors
from denylist.models import Revocation
from jwt_demo.models import TokenFamily
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.django_db


def _event(kind, door, *, ago, username="alice", ip="198.51.100.7"):
    event = AuthEvent.objects.create(kind=kind, door=door, username=username, ip=ip)
    AuthEvent.objects.filter(pk=event.pk).update(created=timezone.now() - ago)


@pytest.fixture
def traffic(user, other_user):
    """Two sessions and three token logins, of which one of each is ended; events in and out of the windows."""
    SessionDoor(user.username, PASSWORD).login()
    SessionDoor(other_user.username, PASSWORD).login()
    JWTDoor(user.username, PASSWORD).login()
    bob = JWTDoor(other_user.username, PASSWORD).login()
    hybrid = JWTDoor(other_user.username, PASSWORD).login()
    TokenFamily.objects.filter(user=other_user).exclude(pk=TokenFamily.objects.filter(user=other_user)
                                                        .order_by("created").first().pk).update(door="hybrid")
    del bob, hybrid
    services.user_log_out_everywhere(user=other_user)  # ends bob's session and both of bob's token logins
    JWTDoor(other_user.username, PASSWORD).login()  # a new one after the cut-off: live
    AuthEvent.objects.all().delete()
    K = AuthEvent.Kind
    _event(K.LOGIN_FAILED, "session", ago=timedelta(minutes=5), username="mallory", ip="203.0.113.9")
    _event(K.LOGIN_FAILED, "session", ago=timedelta(minutes=6), username="mallory", ip="203.0.113.9")
    _event(K.LOGIN_FAILED, "jwt", ago=timedelta(hours=3), username="alice", ip="203.0.113.9")
    _event(K.LOGIN_THROTTLED, "jwt", ago=timedelta(minutes=1), username="mallory", ip="203.0.113.10")
    _event(K.LOGIN, "hybrid", ago=timedelta(hours=2))
    _event(K.LOGIN, "session", ago=timedelta(minutes=59))
    _event(K.REFRESH_REUSE, "jwt", ago=timedelta(hours=23))
    _event(K.LOGIN, "session", ago=timedelta(hours=25))  # outside both windows
    _event(K.LOGOUT, "session", ago=timedelta(minutes=1))  # not charted


def test_numbers_match_the_database(admin_client, traffic, user, other_user):
    response = admin_client.get("/admin/console/")
    assert response.status_code == HTTPStatus.OK
    data = response.context["data"]
    # alice's session and the administrator's own; bob's ended with his log-out-everywhere (its row is gone).
    assert data["live"] == {"session": 2, "jwt": 2, "hybrid": 0}
    assert DeviceSession.objects.filter(user__isnull=False).count() == 2
    assert TokenFamily.objects.count() == 4 and TokenFamily.objects.filter(revoked_at__isnull=True).count() == 4
    assert data["revocations"] == {label: Revocation.objects.filter(kind=kind).count()
                                   for kind, label in Revocation.Kind.choices}
    assert data["revocations"]["user cut-off"] == 1
    hour, day = data["events_hour"], data["events_day"]
    assert hour["login_failed"] == {"session": 2, "jwt": 0, "hybrid": 0, "admin": 0}
    assert hour["login_throttled"]["jwt"] == 1
    assert hour["login"] == {"session": 1, "jwt": 0, "hybrid": 0, "admin": 0}
    assert sum(hour["refresh_reuse"].values()) == 0
    assert day["login_failed"] == {"session": 2, "jwt": 1, "hybrid": 0, "admin": 0}
    assert day["login"] == {"session": 1, "jwt": 0, "hybrid": 1, "admin": 0}
    assert day["refresh_reuse"]["jwt"] == 1
    assert sum(data["timeline"]["login_failed"]) == 3 and len(data["timeline"]["hours"]) == 24
    assert sum(data["timeline"]["login"]) == 2
    assert data["failing"]["accounts"] == [{"username": "mallory", "n": 3}, {"username": "alice", "n": 1}]
    assert data["failing"]["addresses"] == [{"ip": "203.0.113.9", "n": 3}, {"ip": "203.0.113.10", "n": 1}]
    assert data["health"]["database"] == "ok"
    html = response.content.decode()
    assert '<td data-count="session">2</td>' in html and '<td data-count="jwt">2</td>' in html
    assert '<td data-cell="day-login_failed-jwt">1</td>' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and 'id="console-charts"' in html


def test_live_counts_follow_the_state_rule(traffic):
    now = timezone.now()
    from accounts import logins

    token_live = [f for f in TokenFamily.objects.all()
                  if logins.logins_of(logins.source("token"), [logins_family(f)])[0].state.is_live]
    assert set(selectors.live_token_logins(now).values_list("pk", flat=True)) == {f.pk for f in token_live}


def logins_family(family):
    from jwt_demo.logins import family_facts

    return family_facts(family)


def test_embedded_mode_says_the_redis_copy_is_disabled(admin_client, settings):
    settings.REDIS_URL = None
    response = admin_client.get("/admin/console/")
    assert response.context["data"]["redis_copy"].state == "disabled"
    assert response.context["data"]["health"]["redis"] == "disabled"


def test_redis_copy_counts_and_lease(redis_required, admin_client, user, jwt_door):
    from denylist import revocation
    from denylist.entries import Query

    services.user_log_out_everywhere(user=user)
    revocation.is_revoked(Query(jti="x" * 32))  # a check renews the copy and its lease
    copy = selectors.redis_copy()
    assert copy.state == "trusted" and copy.lease_until > timezone.now()
    assert copy.entries["user cut-off"] == Revocation.objects.filter(kind="u").count() == 1
    client, key = revocation.get_backend().redis_copy()
    client.delete(key)
    assert selectors.redis_copy().state == "cold"
    # The administrator's own request is checked against the store first, which rebuilds the copy.
    response = admin_client.get("/admin/console/")
    assert response.status_code == HTTPStatus.OK
    shown = response.context["data"]["redis_copy"]
    assert shown.state in {"trusted", "cold"}
    assert f"Redis copy: <strong>{shown.state}</strong>" in response.content.decode()
