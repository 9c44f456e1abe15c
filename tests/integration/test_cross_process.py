"""Two server processes sharing PostgreSQL and Redis: an action on one takes effect on the other at once.

Two gunicorn processes (production settings, one worker each) serve the test database and a private
redis-server. A user logs in on process A through both doors; "log out everywhere" on process B; process A
refuses the session, the access token and the refresh token on the very next request.
"""

import sys
import time
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.db import connection

from tests.support.processes import AppServer, wait_until
from tests.support.suite import PASSWORD
from tests.support.wire import ROOT, WireClient


@pytest.fixture
def two_processes(postgres_required, transactional_db, redis_server, tmp_path, settings, user, other_user):
    """Processes A and B: the test database (migrated by pytest-django) and the private Redis, shared."""
    # The suite hashes passwords with MD5 for speed; the servers run production settings, which only know
    # PBKDF2 and friends, so the test users get a password hash the servers can check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for account in (user, other_user):
        account.set_password(PASSWORD)
        account.save(update_fields=["password"])
    db = connection.settings_dict
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "cross-process-secret-key-" + "s" * 30, "JWT_SIGNING_KEY": "cross-process-jwt-key-" + "j" * 30,
        "COOKIE_SECURE": "0", "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "LOGIN_RATE": "100/min",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_server.url,
    }
    servers = [AppServer(env=env, log=tmp_path / f"{name}.log") for name in "ab"]
    assert servers[0].port != servers[1].port  # else both "processes" would be one, and the test could not fail
    try:
        for server in servers:
            server.start(sys.executable, ROOT)
        for server in servers:
            wait_until(server.listening, timeout=20, what=f"gunicorn on port {server.port} listening")
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_log_out_everywhere_on_one_process_is_refused_by_the_other(two_processes, user, other_user):
    started = time.monotonic()
    a, b = (server.port for server in two_processes)
    browser = WireClient(a)
    browser.session_login(user.username, PASSWORD)
    api = WireClient(a)
    pair = api.token_pair(user.username, PASSWORD)
    bystander = WireClient(a).token_pair(other_user.username, PASSWORD)
    assert browser.get("/session/api/notes/").status == HTTPStatus.OK
    assert api.get("/jwt/api/notes/", pair["access"]).status == HTTPStatus.OK  # A holds a warm revocation copy

    other_device = WireClient(b)
    actor = other_device.token_pair(user.username, PASSWORD)
    assert other_device.post_json("/jwt/logout-all/", {}, actor["access"]).status == HTTPStatus.NO_CONTENT

    session_reply = browser.get("/session/api/notes/")
    assert (session_reply.status, session_reply.json()["code"]) == (HTTPStatus.FORBIDDEN, "not_authenticated")
    access_reply = api.get("/jwt/api/notes/", pair["access"])
    assert (access_reply.status, access_reply.json()) == (
        HTTPStatus.UNAUTHORIZED, {"detail": "Token has been revoked.", "code": "token_revoked"})
    refresh_reply = api.post_json("/jwt/token/refresh/", {"refresh": pair["refresh"]})
    assert (refresh_reply.status, refresh_reply.json()["code"]) == (HTTPStatus.UNAUTHORIZED, "token_revoked")
    assert api.get("/jwt/api/notes/", actor["access"]).status == HTTPStatus.UNAUTHORIZED
    assert WireClient(a).get("/jwt/api/notes/", bystander["access"]).status == HTTPStatus.OK
    assert time.monotonic() - started < 30


def test_a_session_ended_on_one_process_is_refused_by_the_other(two_processes, user):
    a, b = (server.port for server in two_processes)
    phone = WireClient(a)
    phone.session_login(user.username, PASSWORD)
    assert phone.get("/session/api/notes/").status == HTTPStatus.OK
    laptop = WireClient(b)
    laptop.session_login(user.username, PASSWORD)

    reply = laptop.call("POST", "/session/devices/revoke-others/", body=urlencode(
        {"csrfmiddlewaretoken": laptop.cookies["csrftoken"]}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == HTTPStatus.FOUND

    assert phone.get("/session/api/notes/").status == HTTPStatus.FORBIDDEN
    assert laptop.get("/session/api/notes/").status == HTTPStatus.OK
