"""Token Lab's admin site: Django's, with every password check it makes behind the login throttle, and its logins
admitted by accounts.admission.

Both the admin's login and its "change my password" page check a password; both go through `authenticate()`
(accounts.backends.ThrottledModelBackend), and a throttled check is answered with the form, an error and a 429
instead of a crash.
"""


from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.admission import LoginRefused
from accounts.throttling import LoginThrottled
from httpkit.refusals import refusal_page_apply, refusal_page_text


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
            raise ValidationError(refusal_page_text(exc), code="throttled") from None


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
            self.throttled = exc  # OldPasswordThrottled: the login throttle, in a password change's words
            raise ValidationError(refusal_page_text(exc), code="throttled") from None
        if checked is None or checked.pk != self.user.pk:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class _ThrottledPasswordChangeView(PasswordChangeView):
    form_class = ThrottledAdminPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


class _AdmittedLoginView(LoginView):
    """Django's LoginView; a login refused by accounts.admission (it overlapped a password change, a deactivation or
    a log-out-everywhere) is the form again with the generic "wrong username or password" error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except LoginRefused:
            form.add_error(None, form.get_invalid_login_error())
            return self.form_invalid(form)


def _throttled_status(response):
    """Give a form response whose password check was throttled the refusal's status and Retry-After (429)."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    return refusal_page_apply(response, getattr(form, "throttled", None))


class TokenLabAdminSite(AdminSite):
    """The default admin site (config.apps.TokenLabAdminConfig): a throttled login is the form, an error, a 429."""

    login_form = ThrottledAdminAuthenticationForm
    site_header = "Token Lab administration"
    site_title = "Token Lab administration"
    index_title = "Token Lab administration"
    # The index links the console (dashboard, live logins across users) above the app list.
    index_template = "console/admin_index.html"

    def login(self, request, extra_context=None):
        """Django's AdminSite.login, with a login view that answers a refused login (accounts.admission) with the
        form's generic error instead of a crash."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request), "title": _("Log in"), "subtitle": None,
            "app_path": request.get_full_path(), "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        view = _AdmittedLoginView.as_view(extra_context=context, authentication_form=self.login_form,
                                          template_name=self.login_template or "admin/login.html")
        return _throttled_status(view(request))

    def password_change(self, request, extra_context=None):
        defaults = {
            "success_url": reverse("admin:password_change_done", current_app=self.name),
            "extra_context": {**self.each_context(request), **(extra_context or {})},
        }
        if self.password_change_template is not None:
            defaults["template_name"] = self.password_change_template
        request.current_app = self.name
        return _throttled_status(_ThrottledPasswordChangeView.as_view(**defaults)(request))
