from django.apps import AppConfig


class DenylistConfig(AppConfig):
    name = "denylist"
    verbose_name = "Revocation store"
