"""Log in, log out, log out everywhere and replay a rotated refresh token in a stock simplejwt project + denylist.

Run as `python -m tests.denylist.dropin.scenario` with DJANGO_SETTINGS_MODULE=tests.denylist.dropin.settings;
prints one JSON object: every step's status and error code, and which modules of Token Lab's own apps were
imported (there must be none). The assertions live in tests/denylist/test_dropin.py.
"""

import json
import sys

import django

PROJECT_APPS = {"accounts", "bench", "config", "console", "jwt_demo", "resources", "sessions_demo", "verifier",
                "workshop"}


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user("ada", password="a stock password 1")
    get_user_model().objects.create_user("bob", password="a stock password 2")
    client = Client()
    steps = {}

    def call(name, method, path, body=None, access=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"} if access else {}
        if method == "get":
            response = client.get(path, **headers)
        else:
            response = client.post(path, json.dumps(body or {}), content_type="application/json", **headers)
        payload = response.json() if response.content else {}
        steps[name] = [response.status_code, payload.get("code")]
        return payload

    def login(name, username="ada"):
        number = username[-1] if username[-1].isdigit() else {"ada": "1", "bob": "2"}[username]
        return call(name, "post", "/api/token/", {"username": username, "password": f"a stock password {number}"})

    def whoami(name, pair):
        return call(name, "get", "/api/whoami/", access=pair["access"])

    def refresh(name, pair):
        return call(name, "post", "/api/token/refresh/", {"refresh": pair["refresh"]})

    # Logout: the access token and its whole login stop working on the next request.
    first, other = login("login"), login("login-other")
    bobs = login("login-bob", "bob")
    whoami("fresh-access", first)
    call("logout", "post", "/api/logout/", {"refresh": first["refresh"]}, access=first["access"])
    whoami("access-after-logout", first)
    refresh("refresh-after-logout", first)
    whoami("other-login-after-logout", other)

    # Rotation and reuse: replaying a rotated refresh token ends the login, successors included.
    second = login("login-2")
    third = refresh("rotate", second)
    whoami("rotated-access", third)
    whoami("first-access-after-rotation", second)
    refresh("replay-rotated", second)
    whoami("successor-access-after-reuse", third)
    whoami("first-access-after-reuse", second)
    refresh("successor-refresh-after-reuse", third)

    # Log out everywhere: every token of the user issued before now, on every login; other users untouched.
    call("logout-all", "post", "/api/logout-all/", access=other["access"])
    whoami("other-login-after-logout-all", other)
    refresh("other-refresh-after-logout-all", other)
    whoami("bob-after-ada-logout-all", bobs)
    whoami("new-login-after-logout-all", login("login-again"))

    # The hot path: one revocation check per request, no user row; with Redis, one command and no query.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from denylist import revocation

    fresh = login("login-hot")
    whoami("hot-warm", fresh)  # with Redis, the first check after start-up rebuilds the cache from the database
    sent = []
    backend = revocation.get_backend()
    redis = getattr(backend, "client", None)
    if redis is not None:
        original = redis.execute_command
        redis.execute_command = lambda *args, **options: sent.append(args[0]) or original(*args, **options)
    with CaptureQueriesContext(connection) as queries:
        whoami("hot", fresh)
    hot_path = {"backend": type(backend).__name__, "queries": [q["sql"].split(" FROM ")[-1].split()[0]
                                                               for q in queries.captured_queries],
                "redis": sent}

    imported = sorted({name.split(".")[0] for name in sys.modules} & PROJECT_APPS)
    print(json.dumps({"steps": steps, "hot_path": hot_path, "project_modules": imported}))


if __name__ == "__main__":
    main()
