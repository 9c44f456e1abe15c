"""Create Token Lab's demo accounts and notes; safe to run again (it resets the demo passwords)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
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

    @transaction.atomic
    def handle(self, *args, **options):
        users = get_user_model()
        for username, password, is_staff, titles in DEMO_USERS:
            user, created = users.objects.get_or_create(username=username,
                                                         defaults={"email": f"{username}@example.test"})
            user.is_staff = user.is_superuser = is_staff
            user.is_active = True
            user.set_password(password)
            user.save()
            # Add only the demo notes that are missing. (get_or_create by title crashed with MultipleObjectsReturned
            # once a participant had written a note with a demo note's title.)
            present = set(Note.objects.filter(owner=user, title__in=titles).values_list("title", flat=True))
            Note.objects.bulk_create(Note(owner=user, title=title, body=f"A demo note of {username}'s.")
                                     for title in titles if title not in present)
            state = "created" if created else "reset"
            role = "staff admin" if is_staff else "user"
            self.stdout.write(f"{state:8} {role:11} {username:6} password: {password}")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at /session/login/ or POST /jwt/token/."))
