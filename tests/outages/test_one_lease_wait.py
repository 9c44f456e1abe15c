"""Redis unreachable: a request that revokes several credentials waits out the lease once, not once per credential.

A writer that cannot reach Redis waits `REVOCATION_LEASE_SECONDS + 1` after its commit before it answers
(denylist/backends/redis.py): by then every lease granted without its entries has run out. Each test stops a
private redis-server by pid, times one request that revokes several things — at least the lease (the wait did
happen), less than the lease plus a second and a half (it happened once) — then starts Redis again, empty, and
checks that every credential the request ended stays refused on a worker that has not seen the outage.
Redis listens on a Unix socket here (see UnixSocketRedis), production mode's settings otherwise.
"""

import shutil
import subprocess
import tempfile
import time
from http import HTTPStatus
from pathlib import Path

import pytest
import redis
from django.test import Client

from accounts.models import User
from jwt_demo.hybrid import REFRESH_COOKIE
from sessions_demo.models import DeviceSession
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.fixtures import own_redis_caches
from tests.support.flows import another_worker, assert_refused, refresh
from tests.support.processes import RedisServer, require_redis_binary, wait_until
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.usefixtures("postgres_required", "transactional_db")

LEASE = 2


class UnixSocketRedis(RedisServer):
    """A private redis-server listening on a Unix socket in a folder of its own, stopped and started by pid.

    No TCP port: while it is stopped, a redis-server of another test run on this machine cannot take its place
    (a free loopback port is soon taken), so the requests under test really meet no Redis, and the one they meet
    afterwards is this one again.
    """

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="tokenlab-redis-"))  # short: a socket path has ~100 bytes
        self.socket = self.directory / "redis.sock"
        self.port = None
        self.process = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def client(self, timeout: float = 2.0) -> redis.Redis:
        return redis.Redis(unix_socket_path=str(self.socket), socket_timeout=timeout,
                           socket_connect_timeout=timeout)

    def start(self) -> "UnixSocketRedis":
        self.process = subprocess.Popen(
            [self.binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory), "--daemonize", "no", "--logfile", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        probe = self.client(timeout=0.2)
        wait_until(lambda: self._answers(probe), timeout=10, what=f"redis-server on {self.socket} starting")
        probe.close()
        return self

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def outage(settings):
    """Return a timer of one request made with Redis stopped; Redis is back, empty, when the test checks."""
    require_redis_binary()
    server = UnixSocketRedis().start()
    settings.CACHES = own_redis_caches(server)
    settings.REVOCATION_BACKEND = "denylist.backends.redis.RedisRevocationBackend"
    settings.SESSION_ENGINE = "sessions_demo.backends.cached_db"
    settings.REVOCATION_LEASE_SECONDS = LEASE

    class Outage:
        elapsed = None

        def timed(self, request):
            server.stop()
            started = time.monotonic()
            try:
                return request()
            finally:
                self.elapsed = time.monotonic() - started
                server.start()  # empty: nothing was saved
                another_worker()

        def assert_one_wait(self):
            assert LEASE <= self.elapsed < LEASE + 1.5, f"the request took {self.elapsed:.2f} s"

    yield Outage()
    server.remove()


def jwt_logout(door: JWTDoor, refresh_token: str):
    return door.client.post("/jwt/logout/", {"refresh": refresh_token}, content_type="application/json",
                            **door.auth_headers(unsafe=True))


def assert_refresh_refused(refresh_token: str) -> None:
    response = Client().post("/jwt/token/refresh/", {"refresh": refresh_token}, content_type="application/json")
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.content[:300]


def test_jwt_logout_with_its_own_refresh_token_waits_once(outage, user, other_user):
    door = JWTDoor(user.username, PASSWORD).login()
    bystander = JWTDoor(other_user.username, PASSWORD).login()

    response = outage.timed(lambda: jwt_logout(door, door.refresh))

    assert response.status_code == HTTPStatus.NO_CONTENT
    outage.assert_one_wait()
    assert_refused(door, door.get("notes/"))
    assert_refresh_refused(door.refresh)
    assert bystander.get("notes/").status_code == HTTPStatus.OK


def test_jwt_logout_with_a_second_logins_refresh_token_waits_once(outage, user):
    door = JWTDoor(user.username, PASSWORD).login()
    second = JWTDoor(user.username, PASSWORD).login()
    kept = JWTDoor(user.username, PASSWORD).login()

    response = outage.timed(lambda: jwt_logout(door, second.refresh))

    assert response.status_code == HTTPStatus.NO_CONTENT
    outage.assert_one_wait()
    assert_refused(door, door.get("notes/"))
    assert_refused(second, second.get("notes/"))
    assert_refresh_refused(door.refresh)
    assert_refresh_refused(second.refresh)
    assert kept.get("notes/").status_code == HTTPStatus.OK


def test_hybrid_logout_waits_once(outage, user):
    browser = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1")
    login = browser.post("/jwt/hybrid/login/", {"username": user.username, "password": PASSWORD},
                         content_type="application/json")
    assert login.status_code == HTTPStatus.OK
    access, cookie = login.json()["access"], browser.cookies[REFRESH_COOKIE].value

    response = outage.timed(lambda: browser.post(
        "/jwt/hybrid/logout/", HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value))

    assert response.status_code == HTTPStatus.NO_CONTENT
    outage.assert_one_wait()
    assert Client().get("/jwt/api/notes/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == \
        HTTPStatus.UNAUTHORIZED
    assert_refresh_refused(cookie)


def test_session_logout_everywhere_waits_once(outage, user):
    browser = SessionDoor(user.username, PASSWORD).login()
    other_device = SessionDoor(user.username, PASSWORD).login()
    api = JWTDoor(user.username, PASSWORD).login()

    response = outage.timed(lambda: browser.client.post("/session/logout-everywhere/",
                                                        **browser.auth_headers(unsafe=True)))

    assert response.status_code == HTTPStatus.FOUND
    outage.assert_one_wait()
    assert_refused(other_device, other_device.get("notes/"))
    assert_refused(api, api.get("notes/"))
    assert_refresh_refused(api.refresh)


def test_reused_refresh_token_waits_once(outage, user):
    door = JWTDoor(user.username, PASSWORD).login()
    stolen = door.refresh
    assert refresh(door).status_code == HTTPStatus.OK

    response = outage.timed(lambda: Client().post("/jwt/token/refresh/", {"refresh": stolen},
                                                  content_type="application/json"))

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json()["code"] == "token_reused"
    outage.assert_one_wait()
    assert_refused(door, door.get("notes/"))
    assert_refresh_refused(door.refresh)


def test_console_bulk_end_waits_once(outage, admin_client, user, other_user):
    doors = [JWTDoor(user.username, PASSWORD).login(), JWTDoor(user.username, PASSWORD).login(),
             JWTDoor(other_user.username, PASSWORD).login()]
    ids = [f"t-{door.get('profile/').wsgi_request.auth.claims.family}" for door in doors]

    response = outage.timed(lambda: admin_client.post("/admin/console/tokens/", {"ids": ids, "confirm": "yes"}))

    assert response.status_code == HTTPStatus.FOUND
    outage.assert_one_wait()
    for door in doors:
        assert_refused(door, door.get("notes/"))
        assert_refresh_refused(door.refresh)


def test_console_bulk_end_of_sessions_waits_once(outage, admin_client, user, other_user):
    browsers = [SessionDoor(user.username, PASSWORD).login(), SessionDoor(other_user.username, PASSWORD).login()]
    ids = [f"s-{DeviceSession.objects.get(session_key=b.session_key).digest}" for b in browsers]

    response = outage.timed(lambda: admin_client.post("/admin/console/sessions/", {"ids": ids, "confirm": "yes"}))

    assert response.status_code == HTTPStatus.FOUND
    outage.assert_one_wait()
    for browser in browsers:
        assert_refused(browser, browser.get("notes/"))


@pytest.mark.parametrize("action", ["log_out_everywhere", "suspend"])
def test_an_admin_action_over_several_users_waits_once(outage, admin_client, user, other_user, action):
    doors = [JWTDoor(user.username, PASSWORD).login(), SessionDoor(other_user.username, PASSWORD).login()]

    response = outage.timed(lambda: admin_client.post("/admin/accounts/user/", {
        "action": action, "_selected_action": [user.pk, other_user.pk], "confirm": "yes"}))

    assert response.status_code == HTTPStatus.FOUND
    outage.assert_one_wait()
    if action == "suspend":
        assert not User.objects.filter(pk__in=[user.pk, other_user.pk], is_active=True).exists()
    for door in doors:
        assert_refused(door, door.get("notes/"))
