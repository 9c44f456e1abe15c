"""A room of 30 walks the guided lab at once: gunicorn with two workers on loopback, PostgreSQL + Redis, ~30 s.

Each participant has an account of their own (as `seed_demo --participants` makes) and makes the requests the
lab page makes, step by step, in order — logins on both doors, the measured calls, log out everywhere, service B,
the twin origin's CORS calls, refresh and reuse, the hybrid flow, the mistakes, progress — all from one client
address, as a room behind one NAT would. The throttles run with their defaults. Asserted: no 5xx, no legitimate
request throttled (429), every step answered as the lab expects. Printed (`-s`): p95 per step.

LAB_LOAD_PARTICIPANTS (default 30) and LAB_LOAD_SECONDS (default 45, the bound on the whole walk) shape the run.
"""

import http.client
import json
import os
import random
import threading
import time
from collections import defaultdict
from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.db import connection

from accounts.models import User
from tests.support.outage_servers import Gunicorn, database_url_of, server_env
from tests.support.suite import PASSWORD
from workshop.lab import STEPS

pytestmark = pytest.mark.slow

PARTICIPANTS = int(os.environ.get("LAB_LOAD_PARTICIPANTS", "30"))
BOUND = float(os.environ.get("LAB_LOAD_SECONDS", "45"))


class Deadline(Exception):
    """The walk ran past the bound: the participant stops where it is."""


class Participant:
    """One browser in the room: a cookie jar, the tokens the lab page keeps in memory, and the lab's requests."""

    def __init__(self, port: int, username: str, room: "Room", deadline: float):
        self.port, self.username, self.room, self.deadline = port, username, room, deadline
        self.cookies: dict[str, str] = {}
        self.access = self.refresh = ""
        self.step = "login"

    # --- HTTP, as the browser does it -------------------------------------------------------------------------
    def request(self, method: str, path: str, *, body=None, form: str | None = None, bearer: str | None = None,
                headers: dict | None = None, expect: int | set[int] = HTTPStatus.OK, cookies: bool = True):
        if time.monotonic() > self.deadline:
            raise Deadline
        sent = {"X-Lab-Measure": "1", "Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        if method not in {"GET", "HEAD", "OPTIONS"} and "csrftoken" in self.cookies:
            sent.setdefault("X-CSRFToken", self.cookies["csrftoken"])
            sent.setdefault("Origin", f"http://127.0.0.1:{self.port}")
        data = None
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body), "application/json"
        elif form is not None:
            data, sent["Content-Type"] = form, "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        elapsed = time.perf_counter() - started
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or value in {"", '""'}:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        self.room.record(self.step, f"{method} {path}", response.status, elapsed, response.getheader("X-Lab-Measure"))
        allowed = {expect} if isinstance(expect, int) else expect
        if response.status not in allowed:
            self.room.unexpected(f"{self.username} {self.step}: {method} {path} → {response.status} "
                                 f"(expected {sorted(allowed)}): {payload[:160]!r}")
        return response.status, (json.loads(payload) if payload[:1] in (b"{", b"[") else None)

    # --- the lab page's actions ---------------------------------------------------------------------------------
    def log_in(self, *, session: bool = True, jwt: bool = True) -> None:
        if session:
            self.request("GET", "/session/login/")
            self.request("POST", "/session/login/", expect=HTTPStatus.FOUND,
                         form=f"username={self.username}&password={quote(PASSWORD)}&next=/session/")
        if jwt:
            _, pair = self.request("POST", "/jwt/token/", body={"username": self.username, "password": PASSWORD})
            self.access, self.refresh = pair["access"], pair["refresh"]

    def done(self, step: str) -> None:
        self.request("POST", "/workshop/lab/progress/", body={"step": step}, bearer=self.access,
                     expect={HTTPStatus.OK, HTTPStatus.CREATED})

    def walk(self) -> None:
        self.request("GET", "/")
        self.log_in()
        for step in STEPS:
            self.step = step.slug
            getattr(self, "step_" + step.slug.replace("-", "_"))()
            self.done(step.slug)
        self.room.finished()

    def profiles(self) -> None:
        self.request("GET", "/session/api/profile/")
        self.request("GET", "/jwt/api/profile/", bearer=self.access)

    def step_credentials(self):
        self.profiles()

    def step_session_revocation(self):
        self.request("POST", "/session/logout-everywhere/", expect=HTTPStatus.FOUND)
        self.request("GET", "/session/api/profile/", expect=HTTPStatus.FORBIDDEN)
        self.request("GET", "/jwt/api/profile/", bearer=self.access, expect=HTTPStatus.UNAUTHORIZED)
        self.log_in()

    def service_b_copy(self) -> dict:
        return self.request("POST", "/workshop/lab/service-b-token/", bearer=self.access)[1]

    def step_denylist(self):
        self.request("POST", "/session/logout/", expect=HTTPStatus.FOUND)
        self.request("GET", "/session/api/profile/", expect=HTTPStatus.FORBIDDEN)
        copy = self.service_b_copy()
        self.request("GET", copy["token_lab_url"], bearer=copy["token"])
        self.request("GET", "/workshop/service-b/whoami", bearer=copy["token"])
        self.request("POST", "/jwt/logout/", body={"refresh": self.refresh}, bearer=self.access,
                     expect=HTTPStatus.NO_CONTENT)
        self.request("GET", copy["token_lab_url"], bearer=copy["token"], expect=HTTPStatus.UNAUTHORIZED)
        self.request("GET", "/workshop/service-b/whoami", bearer=copy["token"])  # no denylist: until exp
        self.log_in()

    def step_payload_size(self):
        self.profiles()
        self.request("POST", "/workshop/lab/token-sizes/", bearer=self.access)

    def step_microservices(self):
        self.request("GET", "/workshop/service-b/whoami", expect=HTTPStatus.UNAUTHORIZED)
        self.request("GET", "/workshop/service-b/whoami", bearer=self.service_b_copy()["token"])
        self.request("GET", "/workshop/service-b/jwks.json")

    def step_refresh(self):
        self.request("GET", "/session/api/profile/")
        old = self.refresh
        _, pair = self.request("POST", "/jwt/token/refresh/", body={"refresh": old})
        self.request("POST", "/jwt/token/refresh/", body={"refresh": old}, expect=HTTPStatus.UNAUTHORIZED)
        self.request("GET", "/jwt/api/profile/", bearer=pair["access"], expect=HTTPStatus.UNAUTHORIZED)
        self.log_in(session=False)

    def step_cross_origin(self):
        twin = f"http://localhost:{self.port}"
        self.request("GET", "/workshop/lab/other-origin/", headers={"Host": f"localhost:{self.port}"}, cookies=False)
        self.request("OPTIONS", "/jwt/api/profile/", cookies=False, headers={
            "Origin": twin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
        self.request("GET", "/jwt/api/profile/", bearer=self.access, cookies=False, headers={"Origin": twin})
        # The browser sends no cookie across sites and gives the page no answer: only the request reaches us.
        self.request("GET", "/session/api/profile/", cookies=False, headers={"Origin": twin},
                     expect=HTTPStatus.FORBIDDEN)

    def step_hybrid(self):
        self.request("POST", "/jwt/hybrid/login/", body={"username": self.username, "password": PASSWORD})
        self.request("POST", "/jwt/hybrid/refresh/")

    def step_local_storage(self):
        self.request("GET", "/jwt/api/profile/", bearer=self.access)

    def step_long_expiry(self):
        self.request("POST", "/session/devices/revoke-others/", expect=HTTPStatus.FOUND)
        self.request("GET", "/session/api/profile/")
        _, copy = self.request("POST", "/workshop/lab/long-lived-token/", bearer=self.access)
        self.request("POST", "/workshop/api/inspect/", body={"token": copy["token"]})

    def step_sensitive_data(self):
        self.request("GET", "/session/api/profile/")
        self.request("POST", "/workshop/api/inspect/", body={"token": self.access})

    def step_algorithm(self):
        _, forged = self.request("POST", "/workshop/api/mistakes/alg-none/")
        self.request("GET", "/session/api/profile/", bearer=forged["forged"], expect=HTTPStatus.UNAUTHORIZED)
        self.request("POST", "/workshop/api/mistakes/hs-rs-confusion/")

    def step_simpler(self):
        self.request("GET", "/workshop/lab/moving-parts/", bearer=self.access)


class Room:
    """Thread-safe figures of one run."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.server_ms: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[int, int] = defaultdict(int)
        self.problems: list[str] = []
        self.complete = 0

    def record(self, step: str, what: str, status: int, elapsed: float, measure: str | None) -> None:
        with self.lock:
            self.latency[step].append(elapsed)
            self.statuses[status] += 1
            if measure:
                self.server_ms[step].append(json.loads(measure)["ms"])
            if status >= 500 or status == HTTPStatus.TOO_MANY_REQUESTS:
                self.problems.append(f"{step}: {what} → {status}")

    def unexpected(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def finished(self) -> None:
        with self.lock:
            self.complete += 1


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


@pytest.fixture
def room_server(postgres_required, redis_required, transactional_db, settings, tmp_path):
    User.objects.bulk_create([User(username=f"p{n:02d}") for n in range(1, PARTICIPANTS + 1)])
    for user in User.objects.filter(username__startswith="p"):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    # The throttles at their defaults: the point is that a room behind one address is not throttled.
    env = server_env(database_url_of(connection.settings_dict), REDIS_URL=settings.REDIS_URL, LOGIN_RATE="10/min",
                     LOGIN_ADDRESS_RATE="30/min", REFRESH_RATE="30/min", LAB_MEASURE="1")
    server = Gunicorn(env=env, log=tmp_path / "gunicorn.log", workers=2).start()
    yield server
    server.stop()


def test_a_room_of_30_walks_the_lab_at_once(room_server):
    room = Room()
    deadline = time.monotonic() + BOUND
    errors: list[BaseException] = []
    rng = random.Random(12)

    def participant(n: int) -> None:
        time.sleep(rng.uniform(0, 2))  # a room does not press Enter in the same millisecond
        try:
            Participant(room_server.port, f"p{n:02d}", room, deadline).walk()
        except Deadline:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported below with the figures
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=participant, args=(n,)) for n in range(1, PARTICIPANTS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BOUND + 60)
    elapsed = time.monotonic() - started

    total = sum(room.statuses.values())
    print(f"\nroom: {PARTICIPANTS} participants, {room.complete} finished all 13 steps in {elapsed:.1f} s; "
          f"{total} requests ({total / elapsed:.0f}/s); statuses {dict(sorted(room.statuses.items()))}")
    print(f"  {'step':20} {'requests':>8} {'p95 ms':>8} {'p95 server ms':>14}")
    for step in ["login"] + [s.slug for s in STEPS]:
        values = room.latency.get(step, [])
        if values:
            print(f"  {step:20} {len(values):8} {p95(values) * 1000:8.1f} {p95(room.server_ms[step] or [0]):14.1f}")
    assert not errors, errors
    assert room.problems == [], room.problems[:20]
    assert room.complete == PARTICIPANTS, f"only {room.complete} of {PARTICIPANTS} finished within {BOUND} s"
