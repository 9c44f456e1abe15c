"""`manage.py seed_demo`: the demo accounts and notes, idempotent, with passwords that really log in."""

import io
import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AuthEvent, User
from resources.models import Note
from tests.support.browsers import browser, is_signed_in, log_in
from tests.support.doors import JWTDoor, SessionDoor
from tests.support.flows import assert_refused
from workshop.management.commands.seed_demo import DEMO_USERS

pytestmark = pytest.mark.django_db
DEMO_PASSWORDS = {username: password for username, password, _, _ in DEMO_USERS}
REFUSAL = ("seed_demo creates a superuser whose demo password is published, so it runs with DEBUG=1 only. To seed "
           "this server anyway, pass --force: every password is then random and printed once.")


@pytest.fixture(autouse=True)
def _debug(settings):
    """The demo passwords are for a laptop in debug mode (`make run`); tests of production mode turn it off."""
    settings.DEBUG = True


def seed(*args: str) -> dict[str, str]:
    """Run the command; return the printed {username: password}."""
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    printed = dict(re.findall(r"(\w+)\s+password: (\S+)", out.getvalue()))
    assert "Demo data ready." in out.getvalue()
    return printed


def notes_by_owner() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for username, title in Note.objects.order_by("owner__username", "title").values_list("owner__username", "title"):
        result.setdefault(username, []).append(title)
    return result


def test_seed_creates_three_users_with_notes():
    printed = seed()
    assert set(printed) == {"alice", "bob", "admin"}
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {"alice", "bob", "admin"}
    assert users["admin"].is_staff and users["admin"].is_superuser
    assert not users["alice"].is_staff and not users["bob"].is_staff
    assert all(u.is_active and u.email == f"{u.username}@example.test" for u in users.values())
    assert {owner: len(titles) for owner, titles in notes_by_owner().items()} == {"alice": 3, "bob": 2, "admin": 1}


def test_seed_is_idempotent():
    first = seed()
    notes, ids = notes_by_owner(), set(User.objects.values_list("pk", flat=True))
    second = seed()
    assert second == first
    assert User.objects.count() == 3
    assert set(User.objects.values_list("pk", flat=True)) == ids
    assert notes_by_owner() == notes


def test_seed_restores_a_changed_password_and_a_suspension_and_keeps_user_notes():
    printed = seed()
    alice = User.objects.get(username="alice")
    alice.set_password("something else entirely 42")
    alice.is_active = False
    alice.save()
    # A participant wrote a note with the same title as a demo note, and one of their own.
    Note.objects.create(owner=alice, title="Groceries", body="mine")
    Note.objects.create(owner=alice, title="My own note")
    seed("--reset")
    alice.refresh_from_db()
    assert alice.is_active and alice.check_password(printed["alice"])
    assert sorted(notes_by_owner()["alice"]) == [
        "Groceries", "Groceries", "Ideas for the talk", "My own note", "Workshop questions"]


def test_printed_passwords_log_in_through_both_doors(client):
    for username, password in seed().items():
        response = client.post("/jwt/token/", {"username": username, "password": password},
                               content_type="application/json")
        assert response.status_code == HTTPStatus.OK, username
        access = response.json()["access"]
        profile = client.get("/jwt/api/profile/", HTTP_AUTHORIZATION=f"Bearer {access}")
        assert profile.json()["username"] == username
        assert profile.json()["is_staff"] is (username == "admin")

        session = browser()
        assert log_in(session, username, password).status_code == HTTPStatus.FOUND, username
        assert is_signed_in(session)


def test_staff_report_for_the_seeded_admin(client):
    printed = seed()
    access = client.post("/jwt/token/", {"username": "admin", "password": printed["admin"]},
                         content_type="application/json").json()["access"]
    report = client.get("/jwt/api/staff/report/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert report.status_code == HTTPStatus.OK
    assert (report.json()["users"], report.json()["staff"], report.json()["notes"]) == (3, 1, 6)


def test_seed_in_debug_prints_the_demo_passwords():
    assert seed() == DEMO_PASSWORDS


def test_seed_refuses_with_debug_off_and_changes_nothing(settings):
    settings.DEBUG = False
    admin = User.objects.create_superuser("admin", "admin@example.test", "an operator's own password 77")
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", stdout=io.StringIO())
    assert str(refused.value) == REFUSAL
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    admin.refresh_from_db()
    assert admin.check_password("an operator's own password 77")
    assert not admin.check_password(DEMO_PASSWORDS["admin"])
    assert Note.objects.count() == 0


@pytest.mark.parametrize("debug", [False, True])
def test_seed_force_uses_random_printed_passwords(settings, client, debug):
    settings.DEBUG = debug
    first = seed("--force")
    assert set(first) == set(DEMO_PASSWORDS)
    assert all(password != DEMO_PASSWORDS[username] and len(password) >= 24 for username, password in first.items())
    users = {u.username: u for u in User.objects.all()}
    assert all(users[username].check_password(password) for username, password in first.items())
    assert not any(users[username].check_password(password) for username, password in DEMO_PASSWORDS.items())
    response = client.post("/jwt/token/", {"username": "admin", "password": first["admin"]},
                           content_type="application/json")
    assert response.status_code == HTTPStatus.OK
    second = seed("--force", "--reset")
    assert all(second[username] != first[username] for username in first)
    assert User.objects.count() == 3


# --- a room of participants ----------------------------------------------------------------------------------------

def seed_participants(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    assert "participant accounts ready" in out.getvalue()
    return seed_participants_printed(out.getvalue())


def seed_participants_printed(output: str) -> dict[str, str]:
    """Return the {username: password} of the table the command printed."""
    return dict(re.findall(r"^(\S+)\s+(\S+)\s+(?:created|reset|reactivated)$", output, re.MULTILINE))


@pytest.mark.parametrize("debug", [True, False])
def test_participants_get_their_own_accounts_with_random_passwords(settings, debug):
    settings.DEBUG = debug  # no password of theirs is published: a production room may be seeded too
    printed = seed_participants("--participants", "12", "--prefix", "ws")
    assert list(printed) == [f"ws{n:02d}" for n in range(1, 13)]
    assert len(set(printed.values())) == 12
    for username, password in printed.items():
        user = User.objects.get(username=username)
        assert user.check_password(password) and not user.is_staff and not user.is_superuser
    assert not User.objects.filter(username__in=DEMO_PASSWORDS).exists()


def test_seeding_participants_again_resets_their_passwords(client):
    first = seed_participants("--participants", "2")
    second = seed_participants("--participants", "2", "--reset")
    assert set(first) == set(second) == {"p01", "p02"}
    assert all(first[name] != second[name] for name in first)
    assert User.objects.filter(username__startswith="p").count() == 2


@pytest.mark.parametrize("args", [["--participants", "0"], ["--participants", "501"],
                                  ["--participants", "3", "--prefix", "Bad Prefix"],
                                  ["--participants", "3", "--prefix", "1x"]])
def test_participants_refuse_bad_counts_and_prefixes(args):
    with pytest.raises(CommandError):
        call_command("seed_demo", *args, stdout=io.StringIO())
    assert not User.objects.exists()


def test_participants_never_take_over_a_staff_account():
    User.objects.create_user("p01", password="x" * 20, is_staff=True)
    with pytest.raises(CommandError, match="staff"):
        call_command("seed_demo", "--participants", "1", stdout=io.StringIO())
    assert User.objects.get(username="p01").is_staff


def test_new_accounts_start_without_a_cut_off_and_a_reset_ends_the_old_credentials():
    from denylist.models import Revocation

    seed()
    seed_participants("--participants", "2")
    assert not Revocation.objects.filter(kind="u").exists()  # nothing to end on an account made just now
    seed("--reset")
    assert set(Revocation.objects.filter(kind="u").values_list("reason", flat=True)) == {"password_changed"}
    assert Revocation.objects.filter(kind="u").count() == len(DEMO_USERS)


def test_participants_refuse_to_reactivate_a_suspended_account_and_change_nothing():
    first = seed_participants("--participants", "3")
    for username in ("p01", "p03"):
        user = User.objects.get(username=username)
        user.is_active = False
        user.save()
    stored = dict(User.objects.values_list("username", "password"))
    events = AuthEvent.objects.count()
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--participants", "4", stdout=io.StringIO())
    assert str(refused.value) == (
        "These participant accounts are suspended: p01, p03. Nothing was changed. Pass --reactivate to reactivate "
        "them with a new password (old sessions and tokens stay ended), or seed other accounts with --prefix.")
    assert dict(User.objects.values_list("username", "password")) == stored  # no reset, and no p04
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {"p01", "p03"}
    assert AuthEvent.objects.count() == events
    assert User.objects.get(username="p02").check_password(first["p02"])


def test_participants_reactivate_with_the_flag_and_old_credentials_stay_dead(client):
    first = seed_participants("--participants", "2")
    door = JWTDoor("p01", first["p01"]).login()
    session = SessionDoor("p01", first["p01"]).login()
    p01 = User.objects.get(username="p01")
    p01.is_active = False
    p01.save()

    out = io.StringIO()
    call_command("seed_demo", "--participants", "2", "--reactivate", "--reset", stdout=out)
    assert re.search(r"^p01\s+\S+\s+reactivated$", out.getvalue(), re.MULTILINE)
    assert re.search(r"^p02\s+\S+\s+reset$", out.getvalue(), re.MULTILINE)
    second = seed_participants_printed(out.getvalue())
    p01.refresh_from_db()
    assert p01.is_active and p01.check_password(second["p01"])
    assert AuthEvent.objects.filter(user=p01, kind=AuthEvent.Kind.REACTIVATED).count() == 1
    assert_refused(door, door.get("notes/"))
    assert_refused(session, session.get("notes/"))
    assert JWTDoor("p01", second["p01"]).login().get("notes/").status_code == HTTPStatus.OK


def test_reactivate_goes_with_participants_only():
    with pytest.raises(CommandError, match="--reactivate goes with --participants"):
        call_command("seed_demo", "--reactivate", stdout=io.StringIO())
    assert not User.objects.exists()


# --- created once: a restart (`make run` runs seed_demo every time) keeps what exists -------------------------------

def test_running_again_keeps_the_demo_accounts_their_sessions_and_tokens():
    printed = seed()
    alice = User.objects.get(username="alice")
    alice.set_password("alice changed it in the lab 42")
    alice.save()
    jwt = JWTDoor("admin", printed["admin"]).login()
    session = SessionDoor("admin", printed["admin"]).login()
    stored = dict(User.objects.values_list("username", "password"))
    events = list(AuthEvent.objects.values_list("pk", flat=True))
    from denylist.models import Revocation
    revocations = Revocation.objects.count()

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert dict(User.objects.values_list("username", "password")) == stored  # nothing reset
    assert list(AuthEvent.objects.values_list("pk", flat=True)) == events  # no password_changed event
    assert Revocation.objects.count() == revocations  # nothing ended
    assert jwt.get("notes/").status_code == HTTPStatus.OK
    assert session.get("notes/").status_code == HTTPStatus.OK
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "kept     user        alice  password: changed since (make reset restores the published one)",
        f"kept     user        bob    password: {printed['bob']}",
        f"kept     staff admin admin  password: {printed['admin']}",
    ]
    assert lines[3] == ("kept: alice, bob, admin — existing accounts keep their passwords, sessions and tokens; "
                        "`make reset` (seed_demo --reset) starts them over.")


def test_running_again_keeps_a_suspended_demo_account_suspended():
    seed()
    bob = User.objects.get(username="bob")
    bob.is_active = False
    bob.save()
    seed()
    assert not User.objects.get(username="bob").is_active
    seed("--reset")
    assert User.objects.get(username="bob").is_active


def test_running_again_creates_only_the_missing_demo_account():
    printed = seed()
    User.objects.filter(username="bob").delete()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert re.search(r"^created  user        bob    password: bob-demo-pass-2026$", out.getvalue(), re.MULTILINE)
    assert User.objects.get(username="bob").check_password(printed["bob"])
    assert "kept: alice, admin —" in out.getvalue()


def test_force_keeps_existing_accounts_without_reset_and_shows_no_password(settings):
    settings.DEBUG = False
    first = seed("--force")
    stored = dict(User.objects.values_list("username", "password"))
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert dict(User.objects.values_list("username", "password")) == stored
    assert out.getvalue().count("password: unchanged (not shown: --reset sets a new one)") == 3
    assert not any(password in out.getvalue() for password in first.values())


def test_seeding_a_room_again_adds_late_comers_and_keeps_everyone_logged_in():
    first = seed_participants("--participants", "2")
    door = JWTDoor("p01", first["p01"]).login()
    session = SessionDoor("p02", first["p02"]).login()
    stored = dict(User.objects.values_list("username", "password"))
    events = AuthEvent.objects.count()

    out = io.StringIO()
    call_command("seed_demo", "--participants", "3", stdout=out)
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"p01\s+\(unchanged\)\s+kept", lines[1])
    assert re.fullmatch(r"p02\s+\(unchanged\)\s+kept", lines[2])
    assert re.fullmatch(r"p03\s+\S+\s+created", lines[3])
    assert lines[4] == ("2 existing accounts kept their password: the hand-outs from before still work. --reset "
                        "gives every account a new password (and ends its sessions and tokens).")
    assert {name: pw for name, pw in User.objects.values_list("username", "password") if name in stored} == stored
    assert AuthEvent.objects.count() == events
    assert door.get("notes/").status_code == HTTPStatus.OK
    assert session.get("notes/").status_code == HTTPStatus.OK
    p03 = seed_participants_printed(out.getvalue())["p03"]
    assert JWTDoor("p03", p03).login().get("notes/").status_code == HTTPStatus.OK


def test_reactivating_without_reset_keeps_the_others():
    first = seed_participants("--participants", "2")
    p01 = User.objects.get(username="p01")
    p01.is_active = False
    p01.save()
    out = io.StringIO()
    call_command("seed_demo", "--participants", "2", "--reactivate", stdout=out)
    second = seed_participants_printed(out.getvalue())
    assert list(second) == ["p01"]  # reactivated with a new password; p02 kept its own
    assert re.search(r"^p02\s+\(unchanged\)\s+kept$", out.getvalue(), re.MULTILINE)
    assert User.objects.get(username="p02").check_password(first["p02"])
    assert User.objects.get(username="p01").check_password(second["p01"])


# --- passwords a handout cannot blur ---------------------------------------------------------------------------------

def test_printed_passwords_are_unambiguous_and_never_start_with_a_dash(settings):
    """No l/I/1 or O/o/0 (they blur on paper and projectors), nothing a shell or word processor mangles."""
    shape = re.compile(r"[a-km-np-zA-HJ-NP-Z2-9]{4}(-[a-km-np-zA-HJ-NP-Z2-9]{4})+")
    passwords = list(seed_participants("--participants", "200").values())
    settings.DEBUG = False
    passwords += list(seed("--force").values())
    assert len(passwords) == 203 and len(set(passwords)) == 203
    for password in passwords:
        assert shape.fullmatch(password), password
        assert not set(password) & set("lI1Oo0_"), password
    # 200 × 12 characters drawn from 56: each of them shows up, so the alphabet really is the one above.
    assert set("".join(passwords).replace("-", "")) == set("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert all(len(p) == 14 for p in passwords[:200]) and all(len(p) == 29 for p in passwords[200:])
