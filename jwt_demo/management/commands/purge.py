"""Delete everything Token Lab keeps that no longer guards a live credential (run it from cron, e.g. hourly)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from denylist import revocation
from jwt_demo.housekeeping import token_logins_purge_now


class Command(BaseCommand):
    help = ("Delete expired revocation entries (database and Redis), ended token logins and expired refresh "
            "rows, and expired sessions. Safe to run at any time and from several hosts at once.")

    def handle(self, *args, **options):
        entries = revocation.purge()
        families, rows = token_logins_purge_now()
        # Whatever session store is configured (Django's clearsessions, without needing django.contrib.sessions).
        import_string(f"{settings.SESSION_ENGINE}.SessionStore").clear_expired()
        self.stdout.write(self.style.SUCCESS(
            f"Purged {entries} revocation entries, {families} ended token logins (with their refresh rows), "
            f"{rows} expired refresh rows of live logins, and expired sessions."
        ))
