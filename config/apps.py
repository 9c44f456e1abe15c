"""The project's own app config: Django's admin with Token Lab's admin site."""

from django.contrib.admin.apps import AdminConfig


class TokenLabAdminConfig(AdminConfig):
    """django.contrib.admin with config.adminsite.TokenLabAdminSite as `admin.site`."""

    default_site = "config.adminsite.TokenLabAdminSite"
