from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import AuthEvent, User

admin.site.register(User, UserAdmin)


@admin.register(AuthEvent)
class AuthEventAdmin(admin.ModelAdmin):
    list_display = ["created", "kind", "username", "user", "door", "ip"]
    list_filter = ["kind", "door"]
    search_fields = ["username", "ip"]
    readonly_fields = [f.name for f in AuthEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
