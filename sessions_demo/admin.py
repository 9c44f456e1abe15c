"""Admin for session rows: list by user and device, end sessions through the session service (never a raw delete)."""

from django.contrib import admin, messages

from sessions_demo import services
from sessions_demo.models import DeviceSession


@admin.register(DeviceSession)
class DeviceSessionAdmin(admin.ModelAdmin):
    list_display = ["short_id", "user", "user_agent", "ip", "created", "last_seen", "expire_date"]
    list_filter = ["created"]
    search_fields = ["user__username", "ip", "user_agent"]
    list_select_related = ["user"]
    fields = ["digest", "user", "user_agent", "ip", "created", "last_seen", "expire_date"]
    readonly_fields = fields
    actions = ["end_sessions"]

    @admin.display(description="session")
    def short_id(self, obj):
        return obj.digest[:8]

    @admin.action(description="End selected sessions", permissions=["change"])
    def end_sessions(self, request, queryset):
        ended = 0
        for row in queryset.exclude(user=None):
            ended += services.session_end(user_id=row.user_id, digest=row.digest, reason="admin")
        queryset.filter(user=None).delete()
        self.message_user(request, f"{ended} session(s) ended.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A raw delete would skip the revocation store (and the Redis copy): use the "End selected sessions" action.
        return False
