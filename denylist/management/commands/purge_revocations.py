"""Remove revocation entries that no longer cover any live credential."""

from django.core.management.base import BaseCommand

from denylist import revocation


class Command(BaseCommand):
    help = "Delete revocation entries whose credentials have all expired (database and Redis)."

    def handle(self, *args, **options):
        deleted = revocation.purge()
        self.stdout.write(self.style.SUCCESS(f"Purged {deleted} expired revocation entries."))
