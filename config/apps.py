"""The project's own app configs: Token Lab's deployment checks (config/checks.py) and its admin site."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class TokenLabConfig(AppConfig):
    name = "config"
    label = "tokenlab"
    verbose_name = "Token Lab"

    def ready(self) -> None:
        from config import checks  # noqa: F401 - registers the checks


class TokenLabAdminConfig(AdminConfig):
    """django.contrib.admin with config.adminsite.TokenLabAdminSite as `admin.site`."""

    default_site = "config.adminsite.TokenLabAdminSite"
