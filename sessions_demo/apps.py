from django.apps import AppConfig


class SessionsDemoConfig(AppConfig):
    name = "sessions_demo"
    verbose_name = "Session door"

    def ready(self) -> None:
        # Importing registers the deployment checks and the module's other hooks.
        from sessions_demo import checks, receivers  # noqa: F401
