from django.contrib import admin

from httpkit.adminguard import StrictInputAdminMixin
from resources.models import Note


@admin.register(Note)
class NoteAdmin(StrictInputAdminMixin, admin.ModelAdmin):
    list_display = ["title", "owner", "created"]
    search_fields = ["title", "owner__username"]
