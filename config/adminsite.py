"""Token Lab's admin site: Django's, with every password check it makes behind the login throttle.

Both the admin's login and its "change my password" page check a password; both go through `authenticate()`
(accounts.backends.ThrottledModelBackend), and a throttled check is answered with the form, an error and a 429
instead of a crash.
"""

from http import HTTPStatus

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import authenticate
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.urls import reverse

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


class ThrottledAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's own password change: `old_password` is a password check like a login, so it is throttled.

    Django's form calls `user.check_password()`, which no backend sees: whoever sits at an unlocked admin session
    could guess the password without limit and then keep the account.
    """

    throttled: LoginThrottled | None = None

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            checked = authenticate(self.request, username=self.user.get_username(), password=old_password,
                                   purpose="old_password")
        except LoginThrottled as exc:
            self.throttled = exc
            raise ValidationError(f"Too many password attempts. Try again in {exc.wait} seconds.",
                                  code="throttled") from None
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class _ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledAdminPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def _throttled_status(response):
    """Turn a form response whose password check was throttled into a 429 with Retry-After."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    throttled = getattr(form, "throttled", None)
    if throttled is not None:
        response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        response["Retry-After"] = str(throttled.wait)
    return response


class TokenLabAdminSite(AdminSite):
    """The default admin site (config.apps.TokenLabAdminConfig): a throttled login is the form, an error, a 429."""

    login_form = ThrottledAdminAuthenticationForm
    site_header = "Token Lab administration"
    site_title = "Token Lab administration"
    index_title = "Token Lab administration"
    # The index links the console (dashboard, live logins across users) above the app list.
    index_template = "console/admin_index.html"

    def login(self, request, extra_context=None):
        return _throttled_status(super().login(request, extra_context))

    def password_change(self, request, extra_context=None):
        defaults = {
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return _throttled_status(_ThrottledPasswordChangeView.as_view(**defaults)(request))
