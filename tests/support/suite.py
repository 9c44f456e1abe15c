"""The suite's own constants: the test password, whether this is CI, and how a missing service is handled."""

import os

import pytest

PASSWORD = "correct horse battery staple 2026"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# CI runs the suite twice (.ci/run): embedded (neither service configured: tests that need one skip) and in
# production mode (PostgreSQL and Redis both configured). A production-mode run missing one is misconfigured.
PRODUCTION_MODE = bool(os.environ.get("REDIS_URL")) or os.environ.get("DATABASE_URL", "").startswith("postgres")


def require_service(name: str, available: bool) -> None:
    """Skip on a laptop without the service and in CI's embedded run; fail in CI's production-mode run."""
    if available:
        return
    if IN_CI and PRODUCTION_MODE:
        pytest.fail(f"{name} is required in CI but is not configured")
    pytest.skip(f"{name} is not configured (set {'REDIS_URL' if name == 'Redis' else 'DATABASE_URL'})")
