"""Session middleware that tells the store which device a new session belongs to, and when it was last seen."""

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError
from redis.exceptions import RedisError

from httpkit.network import client_ip, user_agent
from httpkit.outages import BackendUnavailable, is_outage, service_unavailable_response
from sessions_demo.backends.base import engine_store

LAST_SEEN_KEY = "_tokenlab_seen"


class DeviceSessionMiddleware(SessionMiddleware):
    """Django's SessionMiddleware, creating stores that record user agent and IP, and refreshing last-seen."""

    def process_request(self, request):
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        # Resolved per request from settings (not at import), so tests and the benchmark can switch engines; any
        # Django engine loads and saves sessions (the benchmark measures stock ones too).
        session = engine_store()(session_key)
        # Token Lab's stores record the device of a new session; Django's own stores simply ignore these.
        session.user_agent = user_agent(request)
        session.ip = client_ip(request)
        request.session = session

    def process_response(self, request, response):
        # Django turns an exception raised here into a 500 before the outage middleware can see it, so a session
        # store that cannot be reached (the view may already have answered 503 for it) is answered here.
        try:
            session = getattr(request, "session", None)
            if session is not None and session.accessed and not session.is_empty():
                now = int(time.time())
                if now - session.get(LAST_SEEN_KEY, 0) >= settings.SESSION_LAST_SEEN_INTERVAL:
                    session[LAST_SEEN_KEY] = now
            return super().process_response(request, response)
        except (DatabaseError, RedisError, BackendUnavailable) as exc:
            if is_outage(exc):
                return service_unavailable_response(exc)
            raise
