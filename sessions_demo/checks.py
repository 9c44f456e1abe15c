"""Deployment checks (`manage.py check --deploy`) of the session door: its cookies.

Registered with `deploy=True` (in this app's `ready()`), so they run under `--deploy` only; `--fail-level WARNING`
in CI makes every one of them blocking.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_session_cookies(app_configs=None, **kwargs):
    """Secure cookies outside debug: the session cookie, and the hybrid refresh cookie, which follows it."""
    if settings.DEBUG or settings.SESSION_COOKIE_SECURE:
        return []
    return [Warning(
        "SESSION_COOKIE_SECURE is off outside debug: the session cookie and the hybrid refresh cookie "
        "(/jwt/hybrid/) would travel over plain HTTP.",
        hint="Unset COOKIE_SECURE (it defaults to on).", id="tokenlab.W013")]
