"""Answer malformed ids and filters in the admin as misses, never as a database error.

PostgreSQL text cannot hold a NUL byte: psycopg refuses a query parameter containing one with `DataError`, which
Django's admin does not expect (it treats `ValueError` and `ValidationError` as "no such object", nothing else).
So `/admin/<app>/<model>/%00/change/`, `?door=%00` on a changelist, or a NUL in an action's selection would be a
500, and so would a selection the primary key cannot parse (`"x"` for an integer key) on every database. Each
gets the answer Django gives a miss: "doesn't exist" for an object, the changelist's
"?e=1" page for a filter, a warning for a selection (API.md: no input ever yields a 5xx).
"""

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

NUL = "\x00"


def query_has_nul(query) -> bool:
    """Tell whether any key or value of a QueryDict holds a NUL byte."""
    return any(NUL in key or any(NUL in value for value in values) for key, values in query.lists())


class StrictInputAdminMixin:
    """Mix into a ModelAdmin (before it) so that malformed ids and filters are misses, never a 500."""

    def get_object(self, request, object_id, from_field=None):
        """Return None — Django's "doesn't exist" — for an id no row can have."""
        if NUL in object_id:
            return None
        return super().get_object(request, object_id, from_field)

    def changelist_view(self, request, extra_context=None):
        if query_has_nul(request.GET):
            # What Django answers for lookup parameters it cannot apply (IncorrectLookupParameters).
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        if request.method == "POST" and not self._selection_is_wellformed(request.POST.getlist(ACTION_CHECKBOX_NAME)):
            self.message_user(request, "No such items: the selection names rows that cannot exist.", messages.WARNING)
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def _selection_is_wellformed(self, selected: list[str]) -> bool:
        pk = self.model._meta.pk
        for value in selected:
            if NUL in value:
                return False
            try:
                pk.to_python(value)
            except ValidationError:
                return False
        return True
