"""The JWT door's "your logins" page: a browser client of `/jwt/api/logins/`, the access token kept in memory."""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def logins_page(request):
    """Render the page; its script logs in with `/jwt/token/` and lists and ends logins through the JSON API."""
    return render(request, "workshop/logins.html")
