from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DenylistConfig(AppConfig):
    name = "denylist"
    verbose_name = "Revocation store"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from denylist import checks, triggers, users  # noqa: F401 - checks registers the system checks

        users.connect()
        post_migrate.connect(triggers.reinstall_after_migrate, sender=self, dispatch_uid="denylist.triggers")
