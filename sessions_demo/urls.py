from django.urls import path

from sessions_demo import views

app_name = "session"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("logout-everywhere/", views.logout_everywhere_view, name="logout-everywhere"),
    path("devices/", views.devices_view, name="devices"),
    path("devices/revoke-others/", views.devices_revoke_others_view, name="devices-revoke-others"),
    path("devices/<str:login_id>/revoke/", views.device_revoke_view, name="device-revoke"),
    path("password/", views.password_view, name="password"),
    # The session door's API (/session/api/) is mounted in config/urls.py: it also refuses an invalid Bearer token,
    # which only the JWT door can check, and the doors do not import each other.
]
