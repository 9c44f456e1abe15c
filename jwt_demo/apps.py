from django.apps import AppConfig


class JwtDemoConfig(AppConfig):
    name = "jwt_demo"
    verbose_name = "JWT door"

    def ready(self) -> None:
        from accounts.logins import source_register
        from jwt_demo import checks, schema  # noqa: F401 - registers the deployment checks and the schema hooks
        from jwt_demo.logins import TokenLoginSource

        source_register(TokenLoginSource())
