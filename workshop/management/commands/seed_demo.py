"""Create Token Lab's demo accounts and notes, or one account per workshop participant; safe to run again.

The demo passwords below are published (here and in the README), and one of the accounts is a superuser: they
are for a laptop with DEBUG=1 (`make run`). With DEBUG off the command refuses unless `--force`, and `--force`
never uses them: every password is then random and printed once.

Accounts are created once. Running the command again — every `make run` does — creates only what is missing and
leaves existing accounts as they are: same password, sessions and tokens alive, no event recorded. `--reset`
starts them over (a new password, which ends every session and token of before); `make reset` does that for the
demo accounts.

`--participants N` creates N ordinary accounts for a room — `p01` … `pNN`, or another `--prefix` — each with a
random password, printed as a table to hand out, so that one participant's "log out everywhere" ends nobody
else's sessions. Running it again with a larger N adds the late-comers and keeps everyone else's password (the
passwords are stored hashed, so a kept one cannot be printed again); `--reset` gives every one of them a new
password. No password of theirs is ever published, so this part runs with DEBUG off too. A participant account
that was suspended stays suspended: the command refuses, naming it and changing nothing, unless `--reactivate` is
given (an administrator's decision is not undone by re-running a setup script). Reactivation revives no old
credential: the new password ends every session and token of before.
"""

import re
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.services import user_reactivate
from resources.models import Note

DEMO_USERS = [
    # username, password, is_staff, notes
    ("alice", "alice-demo-pass-2026", False, ["Groceries", "Workshop questions", "Ideas for the talk"]),
    ("bob", "bob-demo-pass-2026", False, ["Bob's private note", "Password hints are a bad idea"]),
    ("admin", "admin-demo-pass-2026", True, ["Quarterly staff report notes"]),
]


MAX_PARTICIPANTS = 500
# Letters and digits a handout cannot blur: no l/I/1, no O/o/0. 56 symbols, about 5.8 bits each.
HANDOUT_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def handout_password(groups: int = 3) -> str:
    """Return a random password to print on a handout: groups of four unambiguous characters joined by `-`.

    Three groups (`Kp7m-x3Rt-9aZe`) hold about 70 bits: plenty behind the login throttle, short to type. It never
    starts with `-` (which a shell reads as an option) and holds nothing a shell or a word processor rewrites.
    """
    return "-".join("".join(secrets.choice(HANDOUT_ALPHABET) for _ in range(4)) for _ in range(groups))


_PREFIX = re.compile(r"[a-z][a-z0-9_-]{0,20}")


class Command(BaseCommand):
    help = ("Create the demo users (alice, bob, admin) with a few notes each, and print their passwords; or, with "
            "--participants N, one account per workshop participant.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="run with DEBUG off too; every password is then random and printed once")
        parser.add_argument("--participants", type=int, metavar="N",
                            help=f"create N participant accounts with random passwords (1-{MAX_PARTICIPANTS}); "
                                 f"existing ones keep theirs unless --reset; the demo users are left alone")
        parser.add_argument("--prefix", default="p", help="participant usernames: PREFIX01, PREFIX02, ... (default p)")
        parser.add_argument("--reset", action="store_true",
                            help="start existing accounts over: a new password (the published one for the demo "
                                 "users), which ends their sessions and tokens; without it they are kept as they are")
        parser.add_argument("--reactivate", action="store_true",
                            help="with --participants: reactivate suspended participant accounts (with new "
                                 "passwords; their old sessions and tokens stay ended) instead of refusing")

    def handle(self, *args, force: bool = False, participants: int | None = None, prefix: str = "p",
               reactivate: bool = False, reset: bool = False, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database has no tables yet (or not all of them): start Token Lab once (`make "
                               "run`, or `make serve` in production), or run `.venv/bin/python manage.py migrate`, "
                               "then run this again.")
        if participants is not None:
            self._participants(count=participants, prefix=prefix, reactivate=reactivate, reset=reset)
            return
        if reactivate:
            raise CommandError("--reactivate goes with --participants (--reset reactivates the demo accounts).")
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates a superuser whose demo password is published, so it runs with "
                               "DEBUG=1 only. To seed this server anyway, pass --force: every password is then "
                               "random and printed once.")
        kept = self._seed(random_passwords=force, reset=reset)
        if kept:
            self.stdout.write(f"kept: {', '.join(kept)} — existing accounts keep their passwords, sessions and "
                              "tokens; `make reset` (seed_demo --reset) starts them over.")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /session/login/ or POST /jwt/token/."))

    @transaction.atomic
    def _seed(self, *, random_passwords: bool, reset: bool) -> list[str]:
        """Create the missing demo accounts (and reset the others with `reset`); return the usernames kept."""
        users = get_user_model()
        kept = []
        for username, demo_password, is_staff, titles in DEMO_USERS:
            password = handout_password(groups=6) if random_passwords else demo_password
            user, created = users.objects.get_or_create(username=username, defaults={
                "email": f"{username}@example.test", "password": make_password(password),
                "is_staff": is_staff, "is_superuser": is_staff})
            role = "staff admin" if is_staff else "user"
            if not created and not reset:
                # Left untouched: no save, so no password_changed event and no session or token ended. The hash is
                # compared without User.check_password, whose hash upgrade would save the account.
                if random_passwords:
                    shown = "unchanged (not shown: --reset sets a new one)"
                elif check_password(demo_password, user.password):
                    shown = demo_password
                else:
                    shown = "changed since (make reset restores the published one)"
                kept.append(username)
                self.stdout.write(f"{'kept':8} {role:11} {username:6} password: {shown}")
                continue
            if not created:
                # A reset ends the account's old sessions and tokens (a cut-off only an existing account needs).
                user.is_staff = user.is_superuser = is_staff
                user.is_active = True
                user.set_password(password)
                user.save()
            # Add only the demo notes that are missing: a participant may have written a note with a demo note's
            # title, so titles are not unique (get_or_create by title would raise MultipleObjectsReturned).
            present = set(Note.objects.filter(owner=user, title__in=titles).values_list("title", flat=True))
            Note.objects.bulk_create(Note(owner=user, title=title, body=f"A demo note of {username}'s.")
                                     for title in titles if title not in present)
            state = "created" if created else "reset"
            self.stdout.write(f"{state:8} {role:11} {username:6} password: {password}")
        return kept

    def _participants(self, *, count: int, prefix: str, reactivate: bool, reset: bool) -> None:
        if not 1 <= count <= MAX_PARTICIPANTS:
            raise CommandError(f"--participants must be between 1 and {MAX_PARTICIPANTS}")
        if not _PREFIX.fullmatch(prefix):
            raise CommandError("--prefix must be a lowercase letter followed by up to 20 letters, digits, - or _")
        width = max(2, len(str(count)))
        column = max(len("username"), len(prefix) + width) + 2
        users = get_user_model()
        usernames = [f"{prefix}{number:0{width}d}" for number in range(1, count + 1)]
        rows = []
        with transaction.atomic():
            # Locked, so that what is refused or reactivated is what the loop below meets.
            suspended = list(users.objects.select_for_update().filter(username__in=usernames, is_active=False)
                             .order_by("username").values_list("username", flat=True))
            if suspended and not reactivate:
                raise CommandError(
                    f"{'These participant accounts are' if len(suspended) > 1 else 'This participant account is'} "
                    f"suspended: {', '.join(suspended)}. Nothing was changed. Pass --reactivate to reactivate "
                    f"{'them' if len(suspended) > 1 else 'it'} with a new password (old sessions and tokens stay "
                    f"ended), or seed other accounts with --prefix.")
            for username in usernames:
                password = handout_password()
                user, created = users.objects.get_or_create(username=username,
                                                             defaults={"password": make_password(password)})
                if not created and (user.is_staff or user.is_superuser):
                    raise CommandError(f"{username} exists and is staff: pick another --prefix")
                state = "created" if created else "reset"
                if not created and not user.is_active:
                    user_reactivate(user=user, door="admin")  # recorded as an auth event; revives nothing
                    state = "reactivated"
                elif not created and not reset:
                    # Kept as it is: the hand-out from before still works, the participant stays logged in.
                    rows.append((username, "(unchanged)", "kept"))
                    continue
                if not created:
                    user.set_password(password)  # resetting an account also ends its old sessions and tokens
                    user.save(update_fields=["password"])
                Note.objects.get_or_create(owner=user, title="My first note",
                                           defaults={"body": f"A note only {username} can read."})
                rows.append((username, password, state))
        self.stdout.write(f"{'username':<{column}}{'password':<16}state")
        for username, password, state in rows:
            self.stdout.write(f"{username:<{column}}{password:<16}{state}")
        kept = sum(1 for _username, _password, state in rows if state == "kept")
        if kept:
            self.stdout.write(f"{kept} existing account{'s' if kept > 1 else ''} kept {'their' if kept > 1 else 'its'} "
                              "password: the hand-outs from before still work. --reset gives every account a new "
                              "password (and ends its sessions and tokens).")
        self.stdout.write(self.style.SUCCESS(
            f"{count} participant accounts ready. Hand out one line each; the guided lab is at / ."))
