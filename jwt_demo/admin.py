"""Admin for token families (one per login) and their refresh tokens. No token string is stored or shown."""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet

from httpkit.adminguard import StrictInputAdminMixin
from jwt_demo import services
from jwt_demo.models import RefreshToken, TokenFamily

RECENT_REFRESH_TOKENS = 20


class RecentRefreshTokenFormSet(BaseInlineFormSet):
    """The newest RECENT_REFRESH_TOKENS rows of the family: a long-lived login rotates hundreds of times."""

    def get_queryset(self):
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset()[:RECENT_REFRESH_TOKENS]
        return self._recent


class RefreshTokenInline(admin.TabularInline):
    model = RefreshToken
    formset = RecentRefreshTokenFormSet
    fields = ["jti", "issued_at", "expires_at", "rotated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_formset(self, request, obj=None, **kwargs):
        # Inline instances are made per request, so naming the count here is safe.
        total = obj.refresh_tokens.count() if obj is not None else 0
        if total > RECENT_REFRESH_TOKENS:
            self.verbose_name_plural = f"refresh tokens (the newest {RECENT_REFRESH_TOKENS} of {total})"
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TokenFamily)
class TokenFamilyAdmin(StrictInputAdminMixin, admin.ModelAdmin):
    list_display = ["short_id", "user", "door", "created", "last_refreshed", "absolute_expires_at", "revoked_at",
                    "revoked_reason"]
    list_filter = ["door", "revoked_reason"]
    search_fields = ["user__username", "ip", "id"]
    list_select_related = ["user"]
    fields = ["id", "user", "door", "user_agent", "ip", "created", "last_refreshed", "absolute_expires_at",
              "revoked_at", "revoked_reason"]
    readonly_fields = fields
    inlines = [RefreshTokenInline]
    actions = ["revoke_families"]

    @admin.display(description="login")
    def short_id(self, obj):
        return obj.id[:8]

    @admin.action(description="Revoke selected logins (every token of each family)", permissions=["change"])
    def revoke_families(self, request, queryset):
        families = list(queryset.filter(revoked_at__isnull=True))
        for family in families:
            services.family_revoke(family=family, reason="admin")
        self.message_user(request, f"{len(families)} login(s) revoked.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
