"""The hybrid page: a browser client of `/jwt/hybrid/*` that keeps its access token in memory only."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET


@require_GET
@ensure_csrf_cookie
def hybrid_page(request):
    """Render the page; set the `csrftoken` cookie its script echoes in `X-CSRFToken` (double submit)."""
    return render(request, "workshop/hybrid.html", {
        "access_lifetime": settings.ACCESS_TOKEN_LIFETIME,
        "refresh_lifetime": settings.REFRESH_TOKEN_LIFETIME,
        "absolute_lifetime": settings.REFRESH_ABSOLUTE_LIFETIME,
        "algorithm": settings.JWT_ALGORITHM,
    })
