from django.apps import AppConfig


class SessionsDemoConfig(AppConfig):
    name = "sessions_demo"
    verbose_name = "Session door"

    def ready(self) -> None:
        from accounts.logins import source_register
        from sessions_demo import checks, receivers, schema  # noqa: F401 - checks, signal receivers, schema hooks
        from sessions_demo.logins import SessionLoginSource

        source_register(SessionLoginSource())
