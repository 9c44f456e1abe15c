"""The benchmark's settings (wiring, kept in config beside its URLconf, config.bench_urls): settings of the
loopback gunicorn servers that `manage.py authbench --http` starts, and of nothing else.

They are the settings the command itself runs with (`AUTHBENCH_BASE_SETTINGS`), plus the benchmark's URLconf
(which mounts an unauthenticated baseline door), plain HTTP on 127.0.0.1, no debug cursors, and the run's own
Redis key prefix. Loading them without `AUTHBENCH_SERVER=1` is refused: never deploy with these.
"""

import copy
import os
from importlib import import_module

from django.core.exceptions import ImproperlyConfigured

if os.environ.get("AUTHBENCH_SERVER") != "1":
    raise ImproperlyConfigured("config.bench_settings is only for the servers that `manage.py authbench --http` "
                               "starts; it mounts a door that checks nothing.")

_base = import_module(os.environ.get("AUTHBENCH_BASE_SETTINGS", "config.settings"))
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

ROOT_URLCONF = "config.bench_urls"
DEBUG = False  # no query log: every variant's queries cost what they cost in production
ALLOWED_HOSTS = ["127.0.0.1"]
SECURE_SSL_REDIRECT = False  # plain HTTP on loopback
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
LOGIN_RATE = os.environ.get("AUTHBENCH_LOGIN_RATE", "100000/min")  # logins are measured, not throttled

_prefix = os.environ.get("AUTHBENCH_KEY_PREFIX")
if _prefix:
    CACHES = copy.deepcopy(_base.CACHES)
    CACHES["default"]["KEY_PREFIX"] = _prefix
    REVOCATION_REDIS_KEY = os.environ["AUTHBENCH_REVOCATION_KEY"]
