from django.apps import AppConfig


class DenylistConfig(AppConfig):
    name = "denylist"
    verbose_name = "Revocation store"

    def ready(self) -> None:
        from denylist import checks  # noqa: F401 - registers the system checks
