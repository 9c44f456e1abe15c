"""Token Lab's admin registrations: users (with their console page), groups, auth events, token families.

The console sits above both doors, so the admin of the doors' models lives here too. Every state shown comes
from accounts.logins; no page shows a session key or a token (families are known by their id, sessions by a
digest); destructive actions answer with a confirmation page first.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts import logins
from accounts.models import AuthEvent, User, acting_from
from console import services as console_services
from console import views
from denylist.reasons import reason_words
from httpkit.adminguard import StrictInputAdminMixin
from httpkit.network import client_ip, user_agent
from jwt_demo.logins import family_facts
from jwt_demo.models import RefreshToken, TokenFamily


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "yes"


def _from(request):
    """Log the auth events of an action with the acting administrator's address and device."""
    return acting_from(ip=client_ip(request), user_agent=user_agent(request))


def _action_confirmation(modeladmin, request, queryset, *, action: str, title: str, consequence: str):
    """The intermediate page of a destructive changelist action (as Django's "delete selected" has)."""
    return TemplateResponse(request, "console/confirm.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "action_url": request.get_full_path(),
        "hidden": [("action", action), *[(admin.helpers.ACTION_CHECKBOX_NAME, str(o.pk)) for o in queryset]],
        "items": [str(o) for o in queryset], "consequence": consequence, "cancel_url": request.get_full_path(),
        "opts": modeladmin.model._meta,
    })


@admin.register(User)
class TokenLabUserAdmin(StrictInputAdminMixin, UserAdmin):
    list_display = ["username", "email", "is_staff", "is_active", "console_link"]
    actions = ["log_out_everywhere", "suspend", "reactivate"]
    change_form_template = "console/user_change_form.html"

    @admin.display(description="Sessions and tokens")
    def console_link(self, obj):
        return format_html('<a href="{}">Sessions and tokens</a>', reverse("console:user", args=[obj.pk]))

    def get_urls(self):
        # The console's page of one user, also under the user's admin URL: a documented address (API.md), part of
        # the HTTP contract.
        return [
            path("<str:user_id>/credentials/", self.admin_site.admin_view(views.user_view),
                 name="accounts_user_credentials"),
            *super().get_urls(),
        ]

    @admin.action(description="Log selected users out everywhere (sessions and tokens)", permissions=["change"])
    def log_out_everywhere(self, request, queryset):
        if not _confirmed(request):
            return _action_confirmation(self, request, queryset, action="log_out_everywhere",
                                        title="Log these users out everywhere?",
                                        consequence="Every session and token of each stops working at once.")
        with _from(request):
            done = console_services.users_log_out_everywhere(users=queryset, admin=request.user)
        self.message_user(request, f"{done} user(s) logged out everywhere.", messages.SUCCESS)
        return None

    @admin.action(description="Suspend selected users (and end all their sessions and tokens)", permissions=["change"])
    def suspend(self, request, queryset):
        if not _confirmed(request):
            return _action_confirmation(self, request, queryset, action="suspend", title="Suspend these users?",
                                        consequence="They can no longer log in, and every session and token "
                                                    "of each stops working at once.")
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "You cannot suspend your own account.", messages.ERROR)
        with _from(request):
            suspended = console_services.users_suspend(users=queryset, admin=request.user)
        self.message_user(request, f"{suspended} user(s) suspended.", messages.SUCCESS)
        return None

    @admin.action(description="Reactivate selected users", permissions=["change"])
    def reactivate(self, request, queryset):
        with _from(request):
            for user in queryset:
                console_services.user_reactivate(user=user, admin=request.user)
        self.message_user(request, f"{queryset.count()} user(s) reactivated.", messages.SUCCESS)


admin.site.unregister(Group)


@admin.register(Group)
class TokenLabGroupAdmin(StrictInputAdminMixin, GroupAdmin):
    """Django's group admin, with malformed ids and selections answered as misses."""


@admin.register(AuthEvent)
class AuthEventAdmin(StrictInputAdminMixin, admin.ModelAdmin):
    """The auth-event log, append-only: no add, change or delete here (`manage.py purge_auth_events` ages it)."""

    list_display = ["created", "kind", "username", "user", "door", "ip", "detail"]
    list_filter = ["kind", "door"]
    search_fields = ["username", "ip", "detail"]
    list_select_related = ["user"]
    date_hierarchy = "created"
    readonly_fields = [f.name for f in AuthEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


REFRESH_TOKENS_PER_PAGE = 20


class RefreshTokenPageFormSet(BaseInlineFormSet):
    """One page of the family's refresh tokens, newest first: a long-lived login rotates hundreds of times."""

    page_number: object = 1

    def get_queryset(self):
        if not hasattr(self, "page"):
            self.page = Paginator(super().get_queryset().order_by("-issued_at", "jti"),
                                   REFRESH_TOKENS_PER_PAGE).get_page(self.page_number)
        return self.page.object_list


class RefreshTokenInline(admin.TabularInline):
    model = RefreshToken
    formset = RefreshTokenPageFormSet
    fields = ["jti", "issued_at", "expires_at", "rotated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    template = "console/tabular_paginated.html"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        page = request.GET.get("refresh_page", "1")
        formset.page_number = page if page.isdigit() and len(page) < 10 else 1
        return formset

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FamilyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("dead", "Ended or expired")]

    def queryset(self, request, queryset):
        from console.selectors import live_token_logins

        live = live_token_logins().values("pk")
        if self.value() == "live":
            return queryset.filter(pk__in=live)
        if self.value() == "dead":
            return queryset.exclude(pk__in=live)
        return queryset


class EndReasonFilter(admin.SimpleListFilter):
    """Why a token login's own row says it ended, in words (a live login's blank reason is no choice: a link
    without a name, which screen readers cannot announce)."""

    title = "ended because"
    parameter_name = "revoked_reason"

    def lookups(self, request, model_admin):
        reasons = (TokenFamily.objects.exclude(revoked_reason="").order_by("revoked_reason")
                   .values_list("revoked_reason", flat=True).distinct())
        return [(reason, reason_words(reason)) for reason in reasons]

    def queryset(self, request, queryset):
        return queryset.filter(revoked_reason=self.value()) if self.value() else queryset


@admin.register(TokenFamily)
class TokenFamilyAdmin(StrictInputAdminMixin, admin.ModelAdmin):
    """Token logins of every user, each with its state as accounts.logins decides it."""

    list_display = ["short_id", "user", "door", "device", "ip", "created", "last_refreshed", "state", "ended"]
    list_filter = [FamilyStateFilter, "door", EndReasonFilter]
    search_fields = ["user__username", "ip", "id", "user_agent"]
    list_select_related = ["user"]
    fields = ["id", "user", "door", "user_agent", "ip", "created", "last_refreshed", "absolute_expires_at",
              "state", "ended"]
    readonly_fields = fields
    inlines = [RefreshTokenInline]
    actions = ["revoke_families"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One state computation for the page: a handful of queries, not one per row.
        self._states = {login.facts.key: login.state for login in logins.logins_of(
            logins.source("token"), [family_facts(f) for f in changelist.result_list])}
        return changelist

    def _state(self, obj):
        states = getattr(self, "_states", {})
        if obj.pk not in states:
            states[obj.pk] = logins.logins_of(logins.source("token"), [family_facts(obj)])[0].state
        return states[obj.pk]

    @admin.display(description="login")
    def short_id(self, obj):
        return obj.id[:8]

    @admin.display(description="device")
    def device(self, obj):
        from accounts.devices import device_name

        return device_name(obj.user_agent)

    @admin.display(description="state")
    def state(self, obj):
        return self._state(obj).status

    @admin.display(description="ended / expired")
    def ended(self, obj):
        state = self._state(obj)
        if state.is_live:
            return "—"
        return f"{state.at:%Y-%m-%d %H:%M:%S} ({state.why})"

    @admin.action(description="Revoke selected logins (every token of each family)", permissions=["change"])
    def revoke_families(self, request, queryset):
        live = [f for f in queryset if self._state(f).is_live]
        if not _confirmed(request):
            return _action_confirmation(self, request, queryset.filter(pk__in=[f.pk for f in live]),
                                        action="revoke_families", title="Revoke these logins?",
                                        consequence="Every access and refresh token of each stops working at once.")
        with _from(request):
            ended = console_services.logins_end(chosen=[(f.user_id, f"t-{f.pk}") for f in live], admin=request.user)
        self.message_user(request, f"{ended} login(s) revoked.", messages.SUCCESS)
        return None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _hide_unused_authtoken_admin() -> None:
    """Show DRF's token admin only while DRF tokens exist (the benchmark's reference door makes them)."""
    try:
        from rest_framework.authtoken.admin import TokenAdmin
        from rest_framework.authtoken.models import Token, TokenProxy
    except ImportError:
        return
    if not admin.site.is_registered(TokenProxy):
        return

    class UsedOnlyTokenAdmin(TokenAdmin):
        # A DRF token is a live credential: list who holds one, never the key itself.
        list_display = ("user", "created")

        def has_module_permission(self, request):
            return super().has_module_permission(request) and Token.objects.exists()

        def has_view_permission(self, request, obj=None):
            # A token's own pages (change, history, delete) are titled by the token, which is its key.
            return obj is None and super().has_view_permission(request, obj)

        def has_change_permission(self, request, obj=None):
            return obj is None and super().has_change_permission(request, obj)

        def has_delete_permission(self, request, obj=None):
            return False

    admin.site.unregister(TokenProxy)
    admin.site.register(TokenProxy, UsedOnlyTokenAdmin)


_hide_unused_authtoken_admin()
