"""Adapters that run djangorestframework-simplejwt's own tests (from its sdist in .upstream/) against Token Lab.

Nothing of simplejwt's tests is copied here. `settings` is the project their conftest would configure, plus what
the target needs; `urls` routes the URL names their view tests reverse; `plugin` swaps the classes under test (the
names their modules import from rest_framework_simplejwt) for the target's. The target is `SIMPLEJWT_TARGET`:
`door` (Token Lab's JWT door: jwt_demo's token classes, backend, authentication, serializers and views) or `dropin`
(a stock simplejwt project with denylist.simplejwt's authentication and serializers). tests/upstream/
test_simplejwt_suite.py runs them in a process of their own, where `tests` is simplejwt's test package.
"""

import os

TARGETS = ("door", "dropin")


def target() -> str:
    name = os.environ.get("SIMPLEJWT_TARGET", "door")
    if name not in TARGETS:
        raise RuntimeError(f"SIMPLEJWT_TARGET must be one of {TARGETS}, not {name!r}")
    return name
