"""OpenAPI description of the session door's authenticator (drf-spectacular discovers subclasses on import)."""

from drf_spectacular.authentication import SessionScheme


class SessionDoorScheme(SessionScheme):
    """The session cookie, as drf-spectacular describes DRF's own SessionAuthentication (`cookieAuth`)."""

    target_class = "sessions_demo.authentication.SessionAuthentication"
