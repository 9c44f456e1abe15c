from django.apps import AppConfig


class JwtDemoConfig(AppConfig):
    name = "jwt_demo"
    verbose_name = "JWT door"

    def ready(self) -> None:
        from accounts.logins import source_register
        from jwt_demo import schema  # noqa: F401
        from jwt_demo.logins import TokenLoginSource

        source_register(TokenLoginSource())
