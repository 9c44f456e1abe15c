"""Django's `clearsessions`, which Token Lab would otherwise lack: it does not install django.contrib.sessions.

Deletes the expired sessions of the configured store (`SessionStore.clear_expired()`), as in any Django project, so
the habit and the cron lines of Django users keep working. `manage.py purge` does this and purges the revocation
store and the ended token logins too.
"""

from django.contrib.sessions.management.commands.clearsessions import Command as DjangoClearSessions


class Command(DjangoClearSessions):
    pass
