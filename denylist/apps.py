from django.apps import AppConfig


class DenylistConfig(AppConfig):
    name = "denylist"
    verbose_name = "Revocation store"

    def ready(self) -> None:
        from denylist import receivers  # noqa: F401
