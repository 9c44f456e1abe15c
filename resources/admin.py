from django.contrib import admin

from resources.models import Note


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "created"]
    search_fields = ["title", "owner__username"]
