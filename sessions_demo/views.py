"""The session door's pages: log in, log out, home, devices, password change. Parse, call a service, render."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import logins
from accounts import services as accounts
from accounts.admission import LoginRefused
from accounts.models import AuthEvent
from accounts.throttling import LoginThrottled
from denylist.reasons import Reason
from httpkit.network import client_ip, user_agent
from httpkit.refusals import refusal_page_apply, refusal_page_text
from sessions_demo import services
from sessions_demo.endings import login_mark_clear, login_mark_set, session_ending
from sessions_demo.forms import LoginForm, PasswordChangeForm
from sessions_demo.models import is_session_digest

GENERIC_LOGIN_ERROR = "Please enter a correct username and password. Both fields may be case-sensitive."


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "/session/"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    # Bound on every POST, even an empty one: an unbound form has no errors to show (and add_error() would crash).
    form = LoginForm(request.POST if request.method == "POST" else None)
    status = HTTPStatus.OK
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.user_authenticate(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"], door="session",
                ip=client_ip(request), user_agent=user_agent(request),
            )
        except LoginThrottled as exc:
            # The form again, with the refusal's sentence, status and Retry-After (httpkit.refusals).
            form.add_error(None, refusal_page_text(exc))
            return refusal_page_apply(
                render(request, "sessions_demo/login.html", {"form": form, "next": _safe_next(request)}), exc)
        if user is not None:
            try:
                login(request, user)  # cycles the session key: no session fixation
            except LoginRefused:
                # The login overlapped a change of the account (accounts.admission): as a wrong password.
                user = None
            else:
                response = redirect(_safe_next(request))
                login_mark_set(response, request=request, user=user)
                return response
        form.add_error(None, GENERIC_LOGIN_ERROR)
    elif request.method == "POST":
        form.add_error(None, GENERIC_LOGIN_ERROR)
    return render(request, "sessions_demo/login.html", {
        "form": form, "next": _safe_next(request), "ending": session_ending(request),
    }, status=status)


@require_POST
@csrf_protect
def logout_view(request):
    if request.user.is_authenticated:
        accounts.auth_event_record(kind=AuthEvent.Kind.LOGOUT, user=request.user, door="session",
                                   ip=client_ip(request), user_agent=user_agent(request))
    logout(request)  # flushes the session: its row is deleted server-side
    messages.info(request, "You logged out of the session door: this browser's session has ended. Sessions on "
                           "your other devices and your JWTs were not touched.")
    response = redirect("/session/login/")
    login_mark_clear(response)  # a logout asked for needs no explanation on the login page
    return response


@require_POST
@login_required
@csrf_protect
def logout_everywhere_view(request):
    accounts.user_log_out_everywhere(user=request.user, door="session")
    logout(request)
    messages.info(request, "You logged out everywhere: every session of yours, on every device, and every JWT "
                           "issued to you has ended.")
    response = redirect("/session/login/")
    login_mark_clear(response)
    return response


@login_required
@never_cache
def home_view(request):
    return render(request, "sessions_demo/home.html", {
        "session_bytes": len(request.session.session_key or ""),
        "device_count": services.session_list(user_id=request.user.pk).count(),
    })


@login_required
@never_cache
def devices_view(request):
    """Every live login of the user, on both doors: sessions and token logins, with device names."""
    return render(request, "sessions_demo/devices.html", {
        "logins": logins.login_list(user_id=request.user.pk, request=request),
    })


@require_POST
@login_required
@csrf_protect
def device_revoke_view(request, login_id: str):
    # The devices page links a session by its bare digest and a token login by its public id ("t-<family>");
    # "s-<digest>", the public id of a session, is taken too.
    public_id = f"s-{login_id}" if is_session_digest(login_id) else login_id
    # The devices page files a session's end as SESSION_REVOKED, the session door's own event (its login page reads
    # those to explain an end), and a token login's as LOGIN_ENDED.
    kind = AuthEvent.Kind.SESSION_REVOKED if public_id.startswith("s-") else AuthEvent.Kind.LOGIN_ENDED
    ended = logins.login_end(user_id=request.user.pk, user=request.user, login_id=public_id, reason=Reason.USER,
                             request=request, door="session", ip=client_ip(request), event_kind=kind)
    if ended is None:
        raise Http404("No such session.")
    if ended.current:
        logout(request)
        return redirect("/session/login/")
    messages.success(request, "That session has ended." if ended.kind == "session" else "That login has ended.")
    return redirect("/session/devices/")


@require_POST
@login_required
@csrf_protect
def devices_revoke_others_view(request):
    ended = services.sessions_end_others(user=request.user, except_key=request.session.session_key,
                                         ip=client_ip(request))
    messages.success(request, f"{ended} other session{'s' if ended != 1 else ''} ended. This session and your JWTs "
                              "were not touched: use log out everywhere to end those too.")
    return redirect("/session/devices/")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_view(request):
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.user_password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                          new_password=form.cleaned_data["new_password1"], door="session",
                                          ip=client_ip(request), user_agent=user_agent(request))
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                form.add_error("new_password1" if field == "new_password" else field, [e.messages[0] for e in errors])
        except LoginThrottled as exc:
            # A wrong old password counts as a failed login: the same throttle, the same answer as the login page
            # (OldPasswordThrottled, in a password change's words).
            form.add_error(None, refusal_page_text(exc))
            return refusal_page_apply(render(request, "sessions_demo/password.html", {"form": form}), exc)
        else:
            # Every older session (this one included) has ended; this device continues in a fresh session,
            # dated after the cut-off, so only the device that changed the password stays signed in.
            try:
                login(request, request.user)
            except LoginRefused:
                # The account was deactivated or changed again meanwhile: this device is signed out too.
                return redirect("/session/login/")
            messages.success(request, "Password changed. Every other session and every older token has ended.")
            response = redirect("/session/")
            login_mark_set(response, request=request, user=request.user)
            return response
    return render(request, "sessions_demo/password.html", {"form": form})
