"""A bounded load test: gunicorn with two workers on loopback, PostgreSQL + Redis, both doors, ~20 s.

Concurrent clients log in, read and write notes, refresh (sometimes two refreshes of one token at once), replay
rotated refresh tokens, and log out — and after every revocation they try the dead credential again. Asserted:
zero 5xx, zero revoked credentials accepted, at most one successor per refresh token. The figures measured are
printed (run with `-s` to see them); absolute times are not asserted, the machine is shared.

LOAD_SECONDS (default 20) and LOAD_CLIENTS (default 8) bound the run.
"""

import os
import random
import threading
import time
from collections import Counter, defaultdict
from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.db import connection

from accounts.models import User
from tests.support.outage_servers import Gunicorn, Reply, call, database_url_of, server_env
from tests.support.suite import PASSWORD

pytestmark = pytest.mark.slow

DURATION = float(os.environ.get("LOAD_SECONDS", "20"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "8"))


class Tally:
    """Thread-safe figures of one run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.violations: list[str] = []
        self.successors: Counter = Counter()
        self.server_errors: list[str] = []

    def record(self, what: str, reply: Reply, elapsed: float) -> None:
        with self.lock:
            self.statuses[reply.status] += 1
            self.latency[what].append(elapsed)
            if reply.status >= 500:
                self.server_errors.append(f"{what}: {reply.status} {reply.body[:200]!r}")

    def violation(self, text: str) -> None:
        with self.lock:
            self.violations.append(text)


class LoadClient:
    def __init__(self, port: int, tally: Tally, username: str, rng: random.Random):
        self.port, self.tally, self.username, self.rng = port, tally, username, rng

    def request(self, what: str, method: str, path: str, **kwargs) -> Reply:
        started = time.perf_counter()
        reply = call(self.port, method, path, **kwargs)
        self.tally.record(what, reply, time.perf_counter() - started)
        return reply

    # --- the JWT door -------------------------------------------------------------------------------------------
    def jwt_login(self) -> dict:
        reply = self.request("jwt login", "POST", "/jwt/token/", body={"username": self.username,
                                                                        "password": PASSWORD})
        assert reply.status == HTTPStatus.OK, reply.body[:200]
        return reply.json()

    def refresh(self, token: str) -> Reply:
        reply = self.request("jwt refresh", "POST", "/jwt/token/refresh/", body={"refresh": token})
        if reply.status == HTTPStatus.OK:
            with self.tally.lock:
                self.tally.successors[token] += 1
        return reply

    def expect_refused(self, what: str, access: str) -> None:
        reply = self.request(what, "GET", "/jwt/api/notes/", headers={"Authorization": f"Bearer {access}"})
        if reply.status != HTTPStatus.UNAUTHORIZED:
            self.tally.violation(f"{what}: revoked access token answered {reply.status}")

    def jwt_round(self) -> None:
        pair = self.jwt_login()
        for _ in range(self.rng.randint(2, 6)):
            bearer = {"Authorization": f"Bearer {pair['access']}"}
            self.request("jwt read", "GET", "/jwt/api/notes/", headers=bearer)
            if self.rng.random() < 0.3:
                self.request("jwt write", "POST", "/jwt/api/notes/", body={"title": "load"}, headers=bearer)
            if self.rng.random() < 0.5:
                old = pair
                if self.rng.random() < 0.25:
                    replies = self.race(old["refresh"])
                    winners = [r for r in replies if r.status == HTTPStatus.OK]
                    if not winners:  # both lost: the race counted as reuse and the family is dead
                        self.expect_refused("jwt after lost race", old["access"])
                        return
                    pair = winners[0].json()
                    if len(winners) == 1 and any(r.status == HTTPStatus.UNAUTHORIZED for r in replies):
                        # The loser presented a rotated token: reuse, so the winner's tokens are dead too.
                        self.expect_refused("jwt after reuse", pair["access"])
                        return
                else:
                    reply = self.refresh(old["refresh"])
                    assert reply.status == HTTPStatus.OK, reply.body[:200]
                    pair = reply.json()
                if self.rng.random() < 0.2:
                    replay = self.refresh(old["refresh"])
                    if replay.status != HTTPStatus.UNAUTHORIZED:
                        self.tally.violation(f"rotated refresh token answered {replay.status}")
                    self.expect_refused("jwt after reuse", pair["access"])
                    return
        reply = self.request("jwt logout", "POST", "/jwt/logout/", body={"refresh": pair["refresh"]},
                             headers={"Authorization": f"Bearer {pair['access']}"})
        assert reply.status == HTTPStatus.NO_CONTENT, reply.body[:200]
        self.expect_refused("jwt after logout", pair["access"])
        replay = self.refresh(pair["refresh"])
        if replay.status != HTTPStatus.UNAUTHORIZED:
            self.tally.violation(f"refresh after logout answered {replay.status}")

    def race(self, token: str) -> list[Reply]:
        """Two refreshes of one token at the same instant."""
        barrier, replies = threading.Barrier(2), []

        def go():
            barrier.wait(timeout=10)
            replies.append(self.refresh(token))

        racers = [threading.Thread(target=go) for _ in range(2)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(timeout=60)
        return replies

    # --- the session door ---------------------------------------------------------------------------------------
    def session_round(self) -> None:
        page = self.request("session login page", "GET", "/session/login/")
        csrf = page.headers["set-cookie"].split("csrftoken=")[1].split(";")[0]
        reply = self.request("session login", "POST", "/session/login/",
                             form=f"username={self.username}&password={quote(PASSWORD)}&csrfmiddlewaretoken={csrf}",
                             headers={"Cookie": f"csrftoken={csrf}"})
        assert reply.status == HTTPStatus.FOUND, reply.body[:200]
        session = reply.headers["set-cookie"].split("sessionid=")[1].split(";")[0]
        browser = {"Cookie": f"sessionid={session}; csrftoken={csrf}", "X-CSRFToken": csrf}
        for _ in range(self.rng.randint(2, 6)):
            self.request("session read", "GET", "/session/api/notes/", headers=browser)
            if self.rng.random() < 0.3:
                self.request("session write", "POST", "/session/api/notes/", body={"title": "load"}, headers=browser)
        reply = self.request("session logout", "POST", "/session/logout/", headers=browser)
        assert reply.status == HTTPStatus.FOUND
        after = self.request("session after logout", "GET", "/session/api/notes/", headers=browser)
        if after.status != HTTPStatus.FORBIDDEN:
            self.tally.violation(f"ended session answered {after.status}")

    def run(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            (self.jwt_round if self.rng.random() < 0.6 else self.session_round)()


@pytest.fixture
def load_server(postgres_required, redis_required, transactional_db, settings, tmp_path):
    for i in range(CLIENTS):
        User.objects.create_user(f"load{i}", password=PASSWORD)
    env = server_env(database_url_of(connection.settings_dict), REDIS_URL=settings.REDIS_URL)
    server = Gunicorn(env=env, log=tmp_path / "gunicorn.log", workers=2).start()
    yield server
    server.stop()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def test_load_both_doors(load_server):
    tally = Tally()
    errors: list[BaseException] = []
    deadline = time.monotonic() + DURATION

    def worker(i: int) -> None:
        try:
            LoadClient(load_server.port, tally, f"load{i}", random.Random(i)).run(deadline)
        except BaseException as exc:  # noqa: BLE001 - reported below with the figures
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DURATION + 120)
    elapsed = time.monotonic() - started

    total = sum(tally.statuses.values())
    print(f"\nload: {CLIENTS} clients, {elapsed:.1f} s, {total} requests, {total / elapsed:.0f} req/s; "
          f"statuses {dict(sorted(tally.statuses.items()))}")
    for what, values in sorted(tally.latency.items()):
        print(f"  {what:24} n={len(values):5}  p50={percentile(values, 0.5):7.1f} ms  "
              f"p95={percentile(values, 0.95):7.1f} ms  p99={percentile(values, 0.99):7.1f} ms")
    races = sum(1 for n in tally.successors.values() if n >= 1)
    most = max(tally.successors.values(), default=0)
    print(f"  refresh tokens rotated: {races}; most successors of one token: {most}"
          f"; revoked credentials accepted: {len(tally.violations)}; 5xx: {len(tally.server_errors)}")

    assert not errors, errors[:3]
    assert tally.server_errors == []
    assert tally.violations == []
    assert max(tally.successors.values(), default=0) <= 1
    assert total > 50 * CLIENTS * DURATION / 20  # the run really ran (not a gate on speed: a floor of 20 req/s)
