"""A URLconf for tests: Token Lab's, plus async views that log in with `alogin` and log out with `alogout`.

The password is checked by `authenticate()` run in a thread, not `aauthenticate()`: Token Lab's backend overrides
only the sync method, and Django's ModelBackend.aauthenticate would check the password past the login throttle.
"""

from http import HTTPStatus

from asgiref.sync import sync_to_async
from django.contrib.auth import alogin, alogout, authenticate
from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as tokenlab_urlpatterns


async def async_login_view(request):
    user = await sync_to_async(authenticate)(request, username=request.POST.get("username"),
                                             password=request.POST.get("password"))
    if user is None:
        return JsonResponse({"detail": "Wrong username or password.", "code": "invalid_credentials"},
                            status=HTTPStatus.UNAUTHORIZED)
    await alogin(request, user)
    return JsonResponse({"user": user.pk})


async def async_logout_view(request):
    await alogout(request)
    return JsonResponse({"user": None})


urlpatterns = [
    path("async/login/", async_login_view),
    path("async/logout/", async_logout_view),
    *tokenlab_urlpatterns,
]
