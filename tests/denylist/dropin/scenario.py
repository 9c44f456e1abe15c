"""Every way a stock simplejwt project + `denylist` ends an access token, run inside that project.

Run as `python tests/denylist/dropin/scenario.py` from the project built by tests/denylist/test_dropin.py (its
directory and a folder holding only `denylist` on PYTHONPATH, DJANGO_SETTINGS_MODULE=stock.settings); prints one
JSON object: each step's [status, error code], the seconds a write that bypasses `save()` took to reach a request,
the hot path's queries and Redis commands, and which modules of Token Lab's own apps were imported (there must be
none). The assertions live in tests/denylist/test_dropin.py.
"""

import json
import sys
import time

import django

PROJECT_APPS = {"accounts", "bench", "config", "console", "httpkit", "jwt_demo", "resources", "sessions_demo",
                "tests", "verifier", "workshop"}
PASSWORD = "a stock password 1"
NEW_PASSWORD = "a new stock password 2"
# How long to keep asking after a write that bypasses save(): more than one lease of the Redis copy.
PATIENCE = 8.0


def main() -> None:
    django.setup()
    from asgiref.sync import async_to_sync
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework_simplejwt.tokens import RefreshToken

    from denylist import revocation, triggers
    from denylist import users as account_receivers
    from denylist.models import PasswordRehash, Revocation
    from denylist.simplejwt.serializers import TokenObtainPairSerializer

    call_command("migrate", verbosity=0)
    User = get_user_model()
    table = User._meta.db_table
    report = {"steps": {}, "delays": {}, "ids": {}, "vendor": connection.vendor,
              "triggers": triggers.installed(connection, triggers.UserTable.of(User))}
    steps = report["steps"]
    shared = make_password(PASSWORD)  # one hash for every account: hashing is the slow part of this run
    users = {name: User.objects.create(username=name, password=shared)
             for name in ["ada", "bob", "cy", "dan", "eve", "fay", "gus", "ian", "joe", "kim", "lee"]}
    client = Client()

    def call(name, method, path, body=None, access=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {access}"} if access else {}
        if method == "get":
            response = client.get(path, **headers)
        else:
            response = client.post(path, json.dumps(body or {}), content_type="application/json", **headers)
        payload = response.json() if response.content else {}
        if name:
            steps[name] = [response.status_code, payload.get("code") if isinstance(payload, dict) else None]
        return payload

    def login(name, username="ada", password=PASSWORD):
        return call(name, "post", "/api/token/", {"username": username, "password": password})

    def whoami(name, pair):
        return call(name, "get", "/api/whoami/", access=pair["access"])

    def refresh(name, pair):
        return call(name, "post", "/api/token/refresh/", {"refresh": pair["refresh"]})

    def refused_after(name, pair):
        """Ask until the access token is refused; record the last answer and how long it took (seconds)."""
        began = time.monotonic()
        while True:
            whoami(name, pair)
            if steps[name][0] != 200 or time.monotonic() - began > PATIENCE:
                break
            time.sleep(0.05)
        report["delays"][name] = round(time.monotonic() - began, 3)

    def raw(sql, *params):
        with connection.cursor() as cursor:
            cursor.execute(sql, list(params))

    # --- request.user keeps simplejwt's types: the user model's id, not the claim's string. ---
    first = login("login")
    report["ids"] = {"whoami": whoami("fresh-access", first)["id"], "ada": users["ada"].pk}

    # --- Logout: the access token and its whole login stop working on the next request. ---
    other, bobs = login("login-other"), login("login-bob", "bob")
    call("logout", "post", "/api/token/logout/", {"refresh": first["refresh"]}, access=first["access"])
    whoami("access-after-logout", first)
    refresh("refresh-after-logout", first)
    whoami("other-login-after-logout", other)

    # --- Rotation and reuse: replaying a rotated refresh token ends the login, successors included. ---
    second = login("login-2")
    third = refresh("rotate", second)
    whoami("rotated-access", third)
    whoami("first-access-after-rotation", second)
    refresh("replay-rotated", second)
    whoami("successor-access-after-reuse", third)
    whoami("first-access-after-reuse", second)
    refresh("successor-refresh-after-reuse", third)

    # --- Log out everywhere: every token of the user issued before now; other users untouched. ---
    call("logout-all", "post", "/api/token/logout-all/", access=other["access"])
    whoami("other-login-after-logout-all", other)
    refresh("other-refresh-after-logout-all", other)
    whoami("bob-after-ada-logout-all", bobs)
    whoami("new-login-after-logout-all", login("login-again"))

    # --- A refresh token that names no user: a token error, nothing minted. ---
    call("refresh-without-user-claim", "post", "/api/token/refresh/", {"refresh": str(RefreshToken())})

    # --- The account changes: each ends the user's tokens, whatever path made it. ---
    cy = login("login-cy", "cy")
    user = User.objects.get(username="cy")
    user.is_active = False
    user.save()  # ORM save
    refused_after("deactivated-by-save", cy)
    refresh("refresh-after-deactivation", cy)
    user.is_active = True
    user.save()
    whoami("reactivation-revives-nothing", cy)

    dan = login("login-dan", "dan")
    User.objects.filter(username="dan").update(is_active=False)  # no save(), no signal
    refused_after("deactivated-by-update", dan)

    eve = login("login-eve", "eve")
    raw(f"UPDATE {table} SET is_active = %s WHERE id = %s", False, users["eve"].pk)  # another program
    refused_after("deactivated-by-raw-sql", eve)

    ian = login("login-ian", "ian")
    raw(f"UPDATE {table} SET password = %s WHERE id = %s", make_password("set by a sync job"), users["ian"].pk)
    refused_after("password-by-raw-sql", ian)

    fay = login("login-fay", "fay")
    User.objects.get(username="fay").delete()
    refused_after("deleted", fay)

    gus = login("login-gus", "gus")
    user = User.objects.get(username="gus")
    user.set_password(NEW_PASSWORD)
    user.save()
    refused_after("password-changed", gus)
    refresh("refresh-after-password-change", gus)
    login("old-password-after-change", "gus")
    whoami("new-password-login", login("login-gus-new", "gus", NEW_PASSWORD))

    # --- A hasher upgrade at login (here: PBKDF2 iterations raised, as each Django release does) ends nothing. ---
    legacy = PBKDF2PasswordHasher().encode(PASSWORD, "legacysalt", iterations=1000)
    User.objects.filter(username="joe").update(password=legacy)  # counts as a change: done before any token
    time.sleep(0.01)  # a token of the same millisecond as that cut-off would count as before it
    joe = User.objects.get(username="joe")
    before_upgrade = TokenObtainPairSerializer.get_token(joe)  # a login of joe's from before the upgrade
    before_upgrade = {"access": str(before_upgrade.access_token), "refresh": str(before_upgrade)}
    cutoff_before = revocation.user_cutoff_ms(joe.pk)
    time.sleep(0.01)
    login("login-upgrades-hash", "joe")
    report["upgrade"] = {
        "hash": User.objects.get(pk=joe.pk).password.split("$")[:2],
        "preferred": [PBKDF2PasswordHasher.algorithm, str(PBKDF2PasswordHasher.iterations)],
        "cutoff_moved": revocation.user_cutoff_ms(joe.pk) != cutoff_before,
        "permits_left": PasswordRehash.objects.count()}
    whoami("token-from-before-upgrade", before_upgrade)
    refresh("refresh-from-before-upgrade", before_upgrade)

    # The same upgrade through acheck_password (asave() in a thread of sync_to_async).
    User.objects.filter(username="kim").update(password=legacy)
    time.sleep(0.01)
    kim = User.objects.get(username="kim")
    kims = TokenObtainPairSerializer.get_token(kim)
    kims = {"access": str(kims.access_token), "refresh": str(kims)}
    cutoff_before = revocation.user_cutoff_ms(kim.pk)
    report["async_upgrade"] = {"checked": async_to_sync(kim.acheck_password)(PASSWORD),
                               "hash": User.objects.get(pk=kim.pk).password.split("$")[:2],
                               "cutoff_moved": revocation.user_cutoff_ms(kim.pk) != cutoff_before}
    whoami("token-from-before-async-upgrade", kims)

    # A save of the password inside a password check is no re-hash unless the new hash verifies that password:
    # a hook that sets another password while the old one is being checked ends every token.
    lee = login("login-lee", "lee")
    user = User.objects.get(username="lee")
    token = account_receivers._checking.set((user, PASSWORD))
    try:
        user.set_password(NEW_PASSWORD)
        user.save(update_fields=["password"])
    finally:
        account_receivers._checking.reset(token)
    refused_after("password-changed-inside-a-check", lee)

    # --- The hot path: one revocation check per request, no user row; with Redis, one command and no query. ---
    fresh = login("login-hot", "bob")
    whoami("hot-warm", fresh)  # with Redis, the first check after a lease ran out renews the copy
    sent = []
    backend = revocation.get_backend()
    redis = getattr(backend, "client", None)
    if redis is not None:
        original = redis.execute_command
        redis.execute_command = lambda *args, **options: sent.append(args[0]) or original(*args, **options)
    with CaptureQueriesContext(connection) as queries:
        whoami("hot", fresh)
    report["hot_path"] = {"backend": type(backend).__name__, "redis": sent,
                          "queries": [q["sql"].split(" FROM ")[-1].split()[0] for q in queries.captured_queries]}
    report["lease"] = getattr(settings, "REVOCATION_LEASE_SECONDS", None)
    report["user_cutoffs"] = sorted(Revocation.objects.filter(kind="u").values_list("reason", flat=True))
    report["project_modules"] = sorted({name.split(".")[0] for name in sys.modules} & PROJECT_APPS)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
