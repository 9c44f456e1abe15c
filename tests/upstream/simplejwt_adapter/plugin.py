"""pytest plugin (`-p simplejwt_adapter.plugin`): swap the classes simplejwt's tests exercise for the target's.

simplejwt's test modules import the classes under test from rest_framework_simplejwt (`from
rest_framework_simplejwt.tokens import AccessToken`, `authentication.JWTAuthentication()`, ...). The swap puts the
target's classes under those names before the test modules are imported, and again before every test: several
tests `reload()` a simplejwt module, which would put the stock class back. The swapped names are also rebound in
the test modules themselves, so a name imported before a reload keeps pointing at the target's class.
"""

import importlib
import sys

import pytest
from simplejwt_adapter import target


def swaps() -> dict[str, dict[str, object]]:
    """Module of rest_framework_simplejwt → {name: the target's object under that name}."""
    if target() == "door":
        from jwt_demo import authentication, backend, serializers, tokens

        return {
            "rest_framework_simplejwt.tokens": {
                "Token": tokens.TokenLabToken, "AccessToken": tokens.AccessToken,
                "RefreshToken": tokens.RefreshToken, "UntypedToken": tokens.UntypedToken,
            },
            "rest_framework_simplejwt.backends": {"TokenBackend": backend.TokenLabBackend},
            "rest_framework_simplejwt.state": {"token_backend": backend.token_backend},
            "rest_framework_simplejwt.authentication": {
                "JWTAuthentication": authentication.JWTAuthentication,
                "JWTStatelessUserAuthentication": authentication.JWTAuthentication,
            },
            "rest_framework_simplejwt.serializers": {
                "TokenObtainPairSerializer": serializers.TokenObtainPairSerializer,
                "TokenRefreshSerializer": serializers.TokenRefreshSerializer,
                "TokenVerifySerializer": serializers.TokenVerifySerializer,
            },
        }
    from denylist.simplejwt import authentication, serializers

    return {
        "rest_framework_simplejwt.authentication": {
            "JWTAuthentication": authentication.DenylistJWTAuthentication,
            "JWTStatelessUserAuthentication": authentication.DenylistJWTAuthentication,
        },
        "rest_framework_simplejwt.serializers": {
            "TokenObtainPairSerializer": serializers.TokenObtainPairSerializer,
            "TokenRefreshSerializer": serializers.TokenRotationSerializer,
        },
    }


def _apply(test_module=None) -> None:
    table = swaps()
    for module_name, names in table.items():
        module = importlib.import_module(module_name)
        stock = {name: module.__dict__.get(name) for name in names}
        for name, replacement in names.items():
            setattr(module, name, replacement)
        if test_module is not None:
            for name, replacement in names.items():
                current = test_module.__dict__.get(name)
                if current is not None and current is not replacement and getattr(current, "__module__", "") == \
                        module_name and current.__name__ == getattr(stock.get(name), "__name__", None):
                    setattr(test_module, name, replacement)


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    _apply()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _apply(sys.modules.get(item.module.__name__) if getattr(item, "module", None) else None)
