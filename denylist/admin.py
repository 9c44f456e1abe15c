"""Admin for the revocation store: read-only. Revocations are never undone by hand (that would fail open)."""

from django.contrib import admin

from denylist.models import Revocation


@admin.register(Revocation)
class RevocationAdmin(admin.ModelAdmin):
    list_display = ["kind", "key", "user_id", "reason", "created", "expires_at", "synced"]
    list_filter = ["kind", "reason", "synced"]
    search_fields = ["key", "user_id"]
    readonly_fields = [f.name for f in Revocation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
