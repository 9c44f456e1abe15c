"""The console's routes, mounted under /admin/console/ behind the admin site's login (config/urls.py)."""

from django.contrib import admin
from django.urls import path

from console import views

app_name = "console"


def _staff(view):
    return admin.site.admin_view(view)


urlpatterns = [
    path("", _staff(views.dashboard_view), name="dashboard"),
    path("sessions/", _staff(views.logins_view), {"which": "sessions"}, name="sessions"),
    path("tokens/", _staff(views.logins_view), {"which": "tokens"}, name="tokens"),
    path("users/<str:user_id>/", _staff(views.user_view), name="user"),
]
