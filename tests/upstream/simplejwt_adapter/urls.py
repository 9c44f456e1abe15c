"""The URL names simplejwt's view tests reverse, routed to the JWT door's views (target `door`).

Token Lab serves no sliding tokens and no blacklist endpoint: `token_obtain_sliding`, `token_refresh_sliding` and
`token_blacklist` are not routed, and the tests that reverse them are listed departures.
"""

from django.urls import path

from jwt_demo import views
from tests import views as upstream_views

urlpatterns = [
    path("token/pair/", views.TokenObtainView.as_view(), name="token_obtain_pair"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("token/verify/", views.TokenVerifyView.as_view(), name="token_verify"),
    path("test-view/", upstream_views.test_view, name="test_view"),
]
