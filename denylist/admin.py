"""Admin for the revocation store: read-only. Revocations are never undone by hand (that would fail open)."""

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect

from denylist.clock import ms_datetime
from denylist.models import Revocation


@admin.register(Revocation)
class RevocationAdmin(admin.ModelAdmin):
    list_display = ["kind", "key", "user_id", "reason", "cutoff_at", "first_recorded", "expires_at", "synced"]
    list_filter = ["kind", "reason", "synced"]
    search_fields = ["key", "user_id"]
    readonly_fields = ["cutoff_at", "first_recorded", *(f.name for f in Revocation._meta.fields)]

    @admin.display(description="cut-off (latest)", ordering="cutoff_ms")
    def cutoff_at(self, obj):
        """A user entry keeps its latest cut-off and that cut-off's reason; `created` is when the row first
        appeared, which for a user revoked several times is older than both."""
        if obj.cutoff_ms is None:
            return "—"
        return ms_datetime(obj.cutoff_ms)

    @admin.display(description="first recorded", ordering="created")
    def first_recorded(self, obj):
        return obj.created

    def changelist_view(self, request, extra_context=None):
        # PostgreSQL text cannot hold a NUL: `?kind=%00` or `?q=%00` reaching the query is a DataError (a 500).
        # Answer it as Django answers any filter it cannot apply: the changelist's error page.
        if "%00" in request.META.get("QUERY_STRING", "") and ERROR_FLAG not in request.GET:
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
