from django.apps import AppConfig


class SessionsDemoConfig(AppConfig):
    name = "sessions_demo"
    verbose_name = "Session door"

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from accounts.logins import source_register
        from sessions_demo import checks, receivers, schema  # noqa: F401 - checks, signal receivers, schema hooks
        from sessions_demo.logins import SessionLoginSource

        source_register(SessionLoginSource())
        # Admission (receivers.admit_session) before Django's update_last_login: a refused login records no last
        # login, and for an account deleted while its password was checked update_last_login would fail (a
        # DatabaseError, a 500) before the admission could refuse the login.
        if user_logged_in.disconnect(dispatch_uid="update_last_login"):
            user_logged_in.connect(update_last_login, dispatch_uid="update_last_login")
