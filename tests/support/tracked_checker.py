"""Process B of the client-side caching race (tests/denylist/test_tracking.py): one check per line read.

Django is set up from the environment the test gives (its database, its private Redis), and every line names a
token id: the answer is "<1 if revoked else 0> <local|redis>", where `local` says the tracked backend answered
from what it remembered, without a round trip. Run as `python -m tests.support.tracked_checker`.
"""

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()
    from denylist.backends.tracking import TrackedRedisRevocationBackend
    from denylist.entries import Query

    backend = TrackedRedisRevocationBackend()
    for line in sys.stdin:
        hits = backend.local_hits
        revoked = backend.is_revoked(Query(jti=line.strip()))
        sys.stdout.write(f"{int(revoked)} {'local' if backend.local_hits > hits else 'redis'}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
