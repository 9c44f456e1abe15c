"""PostgreSQL unreachable: a 503 with Retry-After and a generic JSON body, never a 500, never a credential let
through unchecked; and recovery without a restart once the database is back.

A gunicorn process reaches the test database through a TCP proxy this test owns; cutting the proxy resets every
open connection and refuses new ones, as a database host that went away would. The machine's PostgreSQL itself
is never touched.
"""

from http import HTTPStatus

import pytest
from django.db import connection

from tests.support.outage_servers import Gunicorn, TcpProxy, call, database_url_of, server_env
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.slow

OUTAGE = {"detail": "A backing service is unavailable; try again shortly.", "code": "service_unavailable"}


@pytest.fixture
def proxied_server(postgres_required, transactional_db, tmp_path, user):
    db = connection.settings_dict
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).start()
    server = Gunicorn(env=server_env(database_url_of(db, port=proxy.port), DB_CONNECT_TIMEOUT="2"),
                      log=tmp_path / "gunicorn.log")
    try:
        server.start()
        yield proxy, server
    finally:
        server.stop()
        proxy.stop()


def session_login(port: int) -> dict[str, str]:
    page = call(port, "GET", "/session/login/")
    csrf = page.headers["set-cookie"].split("csrftoken=")[1].split(";")[0]
    reply = call(port, "POST", "/session/login/", form=f"username=alice&password={PASSWORD.replace(' ', '+')}"
                 f"&csrfmiddlewaretoken={csrf}", headers={"Cookie": f"csrftoken={csrf}"})
    assert reply.status == HTTPStatus.FOUND, reply.body[:300]
    session = reply.headers["set-cookie"].split("sessionid=")[1].split(";")[0]
    return {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}


def test_database_unreachable_is_503_then_recovers_without_restart(proxied_server, user):
    proxy, server = proxied_server
    pid = server.process.pid
    tokens = call(server.port, "POST", "/jwt/token/", body={"username": "alice", "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {tokens['access']}"}
    browser = session_login(server.port)
    requests = [
        ("GET", "/jwt/api/notes/", None, bearer),
        ("POST", "/jwt/api/notes/", {"title": "written during the outage"}, bearer),
        ("POST", "/jwt/token/", {"username": "alice", "password": PASSWORD}, {}),
        ("POST", "/jwt/token/refresh/", {"refresh": tokens["refresh"]}, {}),
        ("GET", "/session/api/notes/", None, browser),
        ("POST", "/session/api/notes/", {"title": "written during the outage"}, browser),
    ]
    for method, path, body, headers in requests[:1] + requests[4:5]:
        assert call(server.port, method, path, body=body, headers=headers).status == HTTPStatus.OK

    proxy.cut()
    for method, path, body, headers in requests:
        reply = call(server.port, method, path, body=body, headers=headers)
        assert reply.status == HTTPStatus.SERVICE_UNAVAILABLE, (path, reply.status, reply.body[:200])
        assert reply.json() == OUTAGE, path
        assert reply.headers["retry-after"] == "5"
        assert reply.headers["content-type"] == "application/json"
    health = call(server.port, "GET", "/healthz")
    assert health.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert health.json() == {"status": "unavailable", "database": "unavailable", "redis": "disabled"}
    assert health.headers["retry-after"] == "5"
    page = call(server.port, "GET", "/session/", headers=browser)
    assert page.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert b"Traceback" not in page.body and b"psycopg" not in page.body

    proxy.restore()
    assert call(server.port, "GET", "/healthz").json() == {"status": "ok", "database": "ok", "redis": "disabled"}
    for method, path, body, headers in requests:
        reply = call(server.port, method, path, body=body, headers=headers)
        assert reply.status in {HTTPStatus.OK, HTTPStatus.CREATED}, (path, reply.status, reply.body[:200])
    assert server.process.pid == pid and server.process.poll() is None  # the same process, never restarted
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM resources_note ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["written during the outage"] * 2  # after recovery only
