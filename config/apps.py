"""The project's own app config: it exists to register Token Lab's deployment checks (config/checks.py)."""

from django.apps import AppConfig


class TokenLabConfig(AppConfig):
    name = "config"
    label = "tokenlab"
    verbose_name = "Token Lab"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the checks
