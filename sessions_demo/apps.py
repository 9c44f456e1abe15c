from django.apps import AppConfig


class SessionsDemoConfig(AppConfig):
    name = "sessions_demo"
    verbose_name = "Session door"

    def ready(self) -> None:
        from sessions_demo import receivers  # noqa: F401
