"""SQLite locked: another connection holds `BEGIN EXCLUSIVE`. Writers wait out the busy timeout, then get a 503
with Retry-After (never a 500); a write that was acknowledged is in the file, one that was refused is not; and a
lock released within the busy timeout costs only a wait.

Runs in both modes: the server gets its own SQLite file, migrated by `manage.py migrate`.
"""

import sqlite3
import subprocess
import sys
import threading
import time
from http import HTTPStatus

import pytest

from tests.support.outage_servers import ROOT, Gunicorn, call, server_env
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.slow

OUTAGE = {"detail": "A backing service is unavailable; try again shortly.", "code": "service_unavailable"}


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite")
    path = folder / "tokenlab.sqlite3"
    env = server_env(f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT="1")
    import os

    child_env = {**{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}, **env}
    subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=child_env, check=True,
                   timeout=300)
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    f"from accounts.models import User; User.objects.create_user('alice', password={PASSWORD!r})"],
                   cwd=ROOT, env=child_env, check=True, timeout=120)
    server = Gunicorn(env=env, log=folder / "gunicorn.log", workers=2).start()
    try:
        yield path, server
    finally:
        server.stop()


def note_titles(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT title FROM resources_note ORDER BY id")]


def test_writes_under_an_exclusive_lock_are_503_and_none_is_lost(sqlite_server):
    path, server = sqlite_server
    tokens = call(server.port, "POST", "/jwt/token/", body={"username": "alice", "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {tokens['access']}"}
    assert call(server.port, "POST", "/jwt/api/notes/", body={"title": "before"}, headers=bearer).status == 201

    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        reply = call(server.port, "POST", "/jwt/api/notes/", body={"title": "during"}, headers=bearer)
        assert reply.status == HTTPStatus.SERVICE_UNAVAILABLE, reply.body[:300]
        assert reply.json() == OUTAGE
        assert reply.headers["retry-after"] == "5"
        login = call(server.port, "POST", "/jwt/token/", body={"username": "alice", "password": PASSWORD})
        assert login.status == HTTPStatus.SERVICE_UNAVAILABLE  # a login writes its auth event
        # WAL: readers are not blocked by a writer, so reading (and checking a token) still works.
        assert call(server.port, "GET", "/jwt/api/notes/", headers=bearer).status == HTTPStatus.OK
    finally:
        holder.execute("COMMIT")
        holder.close()
    assert call(server.port, "POST", "/jwt/api/notes/", body={"title": "after"}, headers=bearer).status == 201
    assert note_titles(path) == ["before", "after"]


def test_a_lock_released_within_the_busy_timeout_only_delays_the_write(sqlite_server):
    path, server = sqlite_server
    tokens = call(server.port, "POST", "/jwt/token/", body={"username": "alice", "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {tokens['access']}"}
    before = note_titles(path)
    holder = sqlite3.connect(path, isolation_level=None, timeout=5)
    holder.execute("BEGIN EXCLUSIVE")
    replies = []
    writers = [threading.Thread(target=lambda i=i: replies.append(call(
        server.port, "POST", "/jwt/api/notes/", body={"title": f"queued {i}"}, headers=bearer))) for i in range(4)]
    for writer in writers:
        writer.start()
    time.sleep(0.3)
    holder.execute("COMMIT")
    holder.close()
    for writer in writers:
        writer.join(timeout=30)
    statuses = sorted(reply.status for reply in replies)
    created = [r for r in replies if r.status == HTTPStatus.CREATED]
    assert set(statuses) <= {HTTPStatus.CREATED, HTTPStatus.SERVICE_UNAVAILABLE}, statuses
    assert len(created) >= 1
    # No lost and no phantom writes: exactly the acknowledged notes were added.
    assert sorted(note_titles(path)[len(before):]) == sorted(r.json()["title"] for r in created)
