"""Admin for accounts, with Token Lab's one view over a user's sessions and token families.

The "credentials" page of a user shows every live session (session door) and every token family (JWT door, one
per login) side by side, with the actions an administrator needs: end one session, revoke one login, log the
user out everywhere, suspend or reactivate. Every action goes through the same services the doors use, so an
administrator's action takes effect on the next request on every worker, exactly like the user's own.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts import services
from accounts.models import AuthEvent, User
from httpkit.adminguard import StrictInputAdminMixin
from jwt_demo import services as jwt_services
from jwt_demo.models import TokenFamily, is_family_id
from sessions_demo import services as session_services


@admin.register(User)
class TokenLabUserAdmin(StrictInputAdminMixin, UserAdmin):
    list_display = ["username", "email", "is_staff", "is_active", "credentials_link"]
    actions = ["log_out_everywhere", "suspend", "reactivate"]

    @admin.display(description="Sessions and tokens")
    def credentials_link(self, obj):
        url = reverse("admin:accounts_user_credentials", args=[obj.pk])
        return format_html('<a href="{}">Sessions and tokens</a>', url)

    def get_urls(self):
        return [
            path("<int:user_id>/credentials/", self.admin_site.admin_view(self.credentials_view),
                 name="accounts_user_credentials"),
            *super().get_urls(),
        ]

    # --- bulk actions on the changelist -------------------------------------------------------------------------
    @admin.action(description="Log selected users out everywhere (sessions and tokens)",
                  permissions=["change"])
    def log_out_everywhere(self, request, queryset):
        for user in queryset:
            services.user_log_out_everywhere(user=user, door="admin")
        self.message_user(request, f"{queryset.count()} user(s) logged out everywhere.", messages.SUCCESS)

    @admin.action(description="Suspend selected users (and end all their sessions and tokens)", permissions=["change"])
    def suspend(self, request, queryset):
        suspended = 0
        for user in queryset:
            if user.pk == request.user.pk:
                self.message_user(request, "You cannot suspend your own account.", messages.ERROR)
                continue
            services.user_suspend(user=user, door="admin")
            suspended += 1
        self.message_user(request, f"{suspended} user(s) suspended.", messages.SUCCESS)

    @admin.action(description="Reactivate selected users", permissions=["change"])
    def reactivate(self, request, queryset):
        for user in queryset:
            services.user_reactivate(user=user, door="admin")
        self.message_user(request, f"{queryset.count()} user(s) reactivated.", messages.SUCCESS)

    # --- the credentials page -----------------------------------------------------------------------------------
    def credentials_view(self, request, user_id: int):
        user = get_object_or_404(User, pk=user_id)
        if not self.has_view_permission(request, user):
            raise Http404("No such user.")
        if request.method == "POST":
            if not self.has_change_permission(request, user):
                raise Http404("No such user.")
            self._credentials_action(request, user)
            return HttpResponseRedirect(request.path)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        now = timezone.now()
        families = list(TokenFamily.objects.filter(user=user).order_by("-created")[:50])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Sessions and tokens of {user.username}",
            "opts": self.model._meta,
            "original": user,
            "subject": user,
            "sessions": session_services.session_list(user_id=user.pk),
            "families": [(f, _family_state(f, now)) for f in families],
            "events": AuthEvent.objects.filter(user=user)[:20],
            "can_change": self.has_change_permission(request, user),
        }
        return TemplateResponse(request, "admin/accounts/user/credentials.html", context)

    def _credentials_action(self, request, user: User) -> None:
        action = request.POST.get("action", "")
        if action == "end_session":
            digest = request.POST.get("session", "")
            if session_services.session_end(user_id=user.pk, digest=digest, reason="admin"):
                services.auth_event_record(kind=AuthEvent.Kind.SESSION_REVOKED, user=user, door="admin",
                                           detail=f"session {digest[:8]} by {request.user.username}")
                self.message_user(request, "Session ended.", messages.SUCCESS)
            else:
                self.message_user(request, "No such session (it may have ended already).", messages.WARNING)
        elif action == "revoke_family":
            family_id = request.POST.get("family", "")
            family = TokenFamily.objects.filter(user=user, pk=family_id).first() if is_family_id(family_id) else None
            if family is None:
                self.message_user(request, "No such login.", messages.WARNING)
            else:
                jwt_services.family_revoke(family=family, reason="admin")
                self.message_user(request, "Every token of that login has been revoked.", messages.SUCCESS)
        elif action == "log_out_everywhere":
            services.user_log_out_everywhere(user=user, door="admin")
            self.message_user(request, "Logged out everywhere: every session and token has ended.", messages.SUCCESS)
        elif action == "suspend" and user.pk != request.user.pk:
            services.user_suspend(user=user, door="admin")
            self.message_user(request, "Account suspended; every session and token has ended.", messages.SUCCESS)
        elif action == "reactivate":
            services.user_reactivate(user=user, door="admin")
            self.message_user(request, "Account reactivated. Credentials ended earlier stay dead.", messages.SUCCESS)
        else:
            self.message_user(request, "Unknown action.", messages.ERROR)


def _family_state(family: TokenFamily, now) -> str:
    if family.revoked_at:
        return f"revoked ({family.revoked_reason or 'revoked'})"
    if family.absolute_expires_at <= now:
        return "expired"
    return "live"


admin.site.unregister(Group)


@admin.register(Group)
class TokenLabGroupAdmin(StrictInputAdminMixin, GroupAdmin):
    """Django's group admin, with malformed ids and selections answered as misses."""


@admin.register(AuthEvent)
class AuthEventAdmin(StrictInputAdminMixin, admin.ModelAdmin):
    list_display = ["created", "kind", "username", "user", "door", "ip"]
    list_filter = ["kind", "door"]
    search_fields = ["username", "ip"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in AuthEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
