from django.urls import include, path

from jwt_demo import hybrid_views, views
from jwt_demo.authentication import JWTAuthentication
from resources.api import resource_urlpatterns

app_name = "jwt"

urlpatterns = [
    path("token/", views.TokenObtainView.as_view(), name="token"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("token/verify/", views.TokenVerifyView.as_view(), name="token-verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("logout-all/", views.LogoutAllView.as_view(), name="logout-all"),
    path("password/", views.PasswordChangeView.as_view(), name="password"),
    path("hybrid/login/", hybrid_views.HybridLoginView.as_view(), name="hybrid-login"),
    path("hybrid/refresh/", hybrid_views.HybridRefreshView.as_view(), name="hybrid-refresh"),
    path("hybrid/logout/", hybrid_views.HybridLogoutView.as_view(), name="hybrid-logout"),
    path("api/", include(resource_urlpatterns(authentication_classes=[JWTAuthentication], name_prefix="api"))),
]
