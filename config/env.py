"""Typed readers for Token Lab's environment variables.

Every knob of the project comes from the environment (see the configuration table in README.md). These readers
turn the raw strings into typed values and fail loudly, naming the variable, when a value cannot be parsed —
a typo in production configuration must stop the process, not be silently replaced by a default.
"""

import math
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable as a string, or `default` when it is unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_required(name: str) -> str:
    """Return the variable, or raise ImproperlyConfigured when it is unset: production secrets have no default."""
    value = env_str(name)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required when DEBUG is off.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    """Return the variable as a boolean (1/0, true/false, yes/no, on/off)."""
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable as an integer, checked against `minimum` when given."""
    value = env_str(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """Return the variable as a comma-separated list with blanks removed."""
    value = env_str(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Return the variable when it is one of `choices`."""
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    """Return the variable as a finite number, greater than `minimum` when given (a timeout of 0 is no timeout)."""
    value = env_str(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None
    if not math.isfinite(number):
        raise ImproperlyConfigured(f"{name} must be a finite number, not {value!r}.")
    if minimum is not None and number <= minimum:
        raise ImproperlyConfigured(f"{name} must be greater than {minimum}, not {number}.")
    return number


# DRF's rate syntax: a count, a slash, and a period whose first letter says its unit ("10/min", "100/hour").
_RATE = re.compile(r"(?P<count>[0-9]+)/(?P<period>[smhd][a-z]*)")


def env_rate(name: str, default: str) -> str:
    """Return the variable when it is a rate in DRF syntax with a positive count (`10/min`, `5/s`, `100/hour`)."""
    value = env_str(name, default)
    match = _RATE.fullmatch(value.strip().lower())
    if match is None or int(match["count"]) < 1:
        raise ImproperlyConfigured(f"{name} must be a rate like 10/min, 5/s, 100/hour or 1000/day, not {value!r}.")
    return value.strip().lower()


def env_url(name: str, schemes: tuple[str, ...]) -> str | None:
    """Return the variable when it is a URL with one of `schemes`, or None when it is unset."""
    value = env_str(name)
    if value is not None and not value.startswith(tuple(f"{scheme}://" for scheme in schemes)):
        raise ImproperlyConfigured(f"{name} must start with {' or '.join(s + '://' for s in schemes)}.")
    return value


def env_database(name: str, default: str, *, engines: tuple[str, ...], **options) -> dict:
    """Return Django's DATABASES entry for the URL in the variable, for one of `engines` only.

    The message never repeats the URL: it may hold a password.
    """
    import dj_database_url

    value = env_str(name, default)
    try:
        config = dj_database_url.parse(value, **options)
    except ValueError:  # dj_database_url's UnknownSchemeError and ParseError
        raise ImproperlyConfigured(f"{name} is not a valid database URL.") from None
    if config["ENGINE"] not in engines or (not config["NAME"] and config["ENGINE"].endswith("postgresql")):
        raise ImproperlyConfigured(f"{name} must be a sqlite:/// or postgres:// URL with a database name.")
    return config


def env_host_ports(name: str) -> list[tuple[str, int]]:
    """Return the variable as a list of (host, port): comma-separated `host:port` items (`[::1]:26379` for IPv6),
    or [] when it is unset."""
    addresses = []
    for item in env_list(name, []):
        host, _, port = item.rpartition(":")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535 or any(c in host for c in "/@ []"):
            raise ImproperlyConfigured(f"{name} must be comma-separated host:port items, not {item!r}.")
        addresses.append((host, int(port)))
    return addresses


# A name Sentinel monitors: it travels as the host part of django-redis's URL, which is read case-insensitively.
_SERVICE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def env_service_name(name: str, default: str) -> str:
    """Return the variable when it is a Sentinel master name: lowercase letters, digits, `_`, `.`, `-`."""
    value = env_str(name, default)
    if not _SERVICE_NAME.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name} must be lowercase letters, digits, '_', '.' or '-' (at most 64), not {value!r}.")
    return value


# --- what `manage.py` reads before Django starts --------------------------------------------------------------------
# `make run` writes this file (gitignored) so that `.venv/bin/python manage.py ...` in a new terminal runs as
# `make run` does: development mode. Only manage.py reads it — gunicorn (`make serve`, config.wsgi) never does, so
# a production server started without DEBUG and without secrets still refuses to start.
LOCAL_ENV_FILE = ".tokenlab-local.env"
_LOCAL_LINE = re.compile(r"(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)")


def local_env_load(path) -> dict[str, str]:
    """Put the `NAME=value` lines of `path` into the environment, never over a variable already set; return them.

    Blank lines and `#` comments are skipped; a line of any other shape stops the process, naming the file and
    the line, as a bad value in the environment does. A missing file is no error (nothing to load).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    loaded = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LOCAL_LINE.fullmatch(line)
        if match is None:
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, not {line!r}.")
        loaded[match["name"]] = match["value"].strip()
    for name, value in loaded.items():
        os.environ.setdefault(name, value)
    return loaded


_HELP_FLAGS = {"-h", "--help", "--version"}


def asks_for_help(argv: list[str]) -> bool:
    """Tell whether a `manage.py` command line only prints help or the version, and so touches nothing.

    True for `manage.py`, `manage.py help ...`, and any command with `-h`/`--help` before a `--` (argparse prints
    the help and exits before the command runs; after `--` the word is the command's argument, not a flag).
    """
    words = argv[1:]
    if not words or words[0] == "help":
        return True
    before_separator = words[:words.index("--")] if "--" in words else words
    return any(word in _HELP_FLAGS for word in before_separator)


def help_secrets(argv: list[str]) -> list[str]:
    """Let a `manage.py` help line run with no secret configured; return the names given a throwaway value.

    Printing a command's help signs nothing and serves nothing, so a missing `SECRET_KEY` or `JWT_SIGNING_KEY`
    is replaced, for this process only, by a random value nobody ever sees. Any other command line is left
    alone: with DEBUG off and no secret it still stops with ImproperlyConfigured.
    """
    import secrets

    if not asks_for_help(argv):
        return []
    given = []
    for name in ("SECRET_KEY", "JWT_SIGNING_KEY"):
        if env_str(name) is None:
            os.environ[name] = secrets.token_urlsafe(50)
            given.append(name)
    return given
