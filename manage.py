#!/usr/bin/env python
"""Run Token Lab's Django management commands.

Before Django starts, the `.tokenlab-local.env` that `make run` writes is read (variables already set win), so
that `.venv/bin/python manage.py ...` in any terminal of the checkout runs as `make run` does; and a line that only
asks for help gets throwaway secrets, so `--help` never needs one. See `config.env`.
"""

import os
import sys
from pathlib import Path

MISSING_SECRET_HINT = ("On a laptop, run `make run` once: it writes .tokenlab-local.env (DEBUG=1), which manage.py "
                       "reads. On a server, export SECRET_KEY and JWT_SIGNING_KEY (README.md, Production mode).")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from config.env import LOCAL_ENV_FILE, help_secrets, local_env_load

    try:
        local_env_load(Path(__file__).resolve().parent / LOCAL_ENV_FILE)
        help_secrets(sys.argv)
        if not any(word.startswith("--settings") for word in sys.argv):  # else Django loads the module named
            settings.INSTALLED_APPS  # noqa: B018 - load the settings now: a configuration error is one clear line
    except ImproperlyConfigured as exc:
        hint = f"\n{MISSING_SECRET_HINT}" if "is required when DEBUG is off" in str(exc) else ""
        sys.exit(f"manage.py: {exc}{hint}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
