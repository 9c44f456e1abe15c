from django.apps import AppConfig


class JwtDemoConfig(AppConfig):
    name = "jwt_demo"
    verbose_name = "JWT door"

    def ready(self) -> None:
        # Importing registers the deployment checks and the module's other hooks.
        from jwt_demo import checks, schema  # noqa: F401
