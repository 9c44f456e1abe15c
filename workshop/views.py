"""The workshop pages: where participants start, and see both doors side by side."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def index(request):
    return render(request, "workshop/index.html", {
        "algorithm": settings.JWT_ALGORITHM,
        "access_lifetime": settings.ACCESS_TOKEN_LIFETIME,
        "refresh_lifetime": settings.REFRESH_TOKEN_LIFETIME,
        "redis": bool(settings.REDIS_URL),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    })
