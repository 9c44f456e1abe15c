"""Token Lab's admin site: Django's, with the login throttle's refusal shown as a 429 page instead of a crash."""

from http import HTTPStatus

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from accounts.throttling import LoginThrottled


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form; `throttled` holds the refusal when the throttle stopped the check."""

    throttled: LoginThrottled | None = None

    def clean(self):
        # authenticate() goes through accounts.backends.ThrottledModelBackend, which raises LoginThrottled before
        # hashing anything once the account or the address has used up its failed checks.
        try:
            return super().clean()
        except LoginThrottled as exc:
            self.throttled = exc
            raise ValidationError(f"Too many login attempts. Try again in {exc.wait} seconds.",
                                  code="throttled") from None


class TokenLabAdminSite(AdminSite):
    """The default admin site (config.apps.TokenLabAdminConfig): a throttled login is the form, an error, a 429."""

    login_form = ThrottledAdminAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        throttled = getattr(form, "throttled", None)
        if throttled is not None:
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
            response["Retry-After"] = str(throttled.wait)
        return response
