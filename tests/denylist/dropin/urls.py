"""simplejwt's stock views, the revocation store's logout views, and one protected resource."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from denylist.simplejwt.views import LogoutAllView, LogoutView


class WhoAmI(APIView):
    """A resource behind the project's default authentication (DenylistJWTAuthentication)."""

    def get(self, request):
        return Response({"user_id": str(request.user.id)})


urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("api/logout/", LogoutView.as_view()),  # denylist
    path("api/logout-all/", LogoutAllView.as_view()),  # denylist
    path("api/whoami/", WhoAmI.as_view()),
]
