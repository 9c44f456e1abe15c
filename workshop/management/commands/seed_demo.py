"""Create Token Lab's demo accounts and notes; safe to run again (it resets the demo passwords).

The demo passwords below are published (here and in the README), and one of the accounts is a superuser: they
are for a laptop with DEBUG=1 (`make run`). With DEBUG off the command refuses unless `--force`, and `--force`
never uses them: every password is then random and printed once.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from resources.models import Note

DEMO_USERS = [
    # username, password, is_staff, notes
    ("alice", "alice-demo-pass-2026", False, ["Groceries", "Workshop questions", "Ideas for the talk"]),
    ("bob", "bob-demo-pass-2026", False, ["Bob's private note", "Password hints are a bad idea"]),
    ("admin", "admin-demo-pass-2026", True, ["Quarterly staff report notes"]),
]


class Command(BaseCommand):
    help = "Create the demo users (alice, bob, admin) with a few notes each, and print their passwords."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="run with DEBUG off too; every password is then random and printed once")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates a superuser whose demo password is published, so it runs with "
                               "DEBUG=1 only. To seed this server anyway, pass --force: every password is then "
                               "random and printed once.")
        self._seed(random_passwords=force)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /session/login/ or POST /jwt/token/."))

    @transaction.atomic
    def _seed(self, *, random_passwords: bool) -> None:
        users = get_user_model()
        for username, demo_password, is_staff, titles in DEMO_USERS:
            password = secrets.token_urlsafe(18) if random_passwords else demo_password
            user, created = users.objects.get_or_create(username=username,
                                                         defaults={"email": f"{username}@example.test"})
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
            role = "staff admin" if is_staff else "user"
            self.stdout.write(f"{state:8} {role:11} {username:6} password: {password}")
