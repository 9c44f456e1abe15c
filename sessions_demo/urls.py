from django.urls import include, path

from jwt_demo.authentication import RejectInvalidBearer
from resources.api import resource_urlpatterns
from sessions_demo import views
from sessions_demo.authentication import SessionAuthentication

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
    # A Bearer token that fails verification is rejected here too, even beside a valid session cookie.
    path("api/", include(resource_urlpatterns(authentication_classes=[RejectInvalidBearer, SessionAuthentication],
                                              name_prefix="api"))),
]
