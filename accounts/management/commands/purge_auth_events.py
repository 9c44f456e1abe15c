"""Delete auth events older than the retention (AUTH_EVENT_RETENTION_DAYS); run it daily from cron."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import auth_events_purge


class Command(BaseCommand):
    help = ("Delete auth events (and records of ended logins) older than AUTH_EVENT_RETENTION_DAYS (default 90), "
            "or --days. Safe to run at any time and from several hosts at once.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override the retention, in days (at least 1).")

    def handle(self, *args, days=None, **options):
        days = settings.AUTH_EVENT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = auth_events_purge(older_than=timedelta(days=days))
        self.stdout.write(self.style.SUCCESS(f"Purged {deleted} auth events older than {days} days."))
