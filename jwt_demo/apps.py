from django.apps import AppConfig


class JwtDemoConfig(AppConfig):
    name = "jwt_demo"
    verbose_name = "JWT door"

    def ready(self) -> None:
        from jwt_demo import schema  # noqa: F401
