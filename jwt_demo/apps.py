from django.apps import AppConfig


class JwtDemoConfig(AppConfig):
    name = "jwt_demo"
    verbose_name = "JWT door"
