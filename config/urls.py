from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz
from jwt_demo.views import JWKSView

handler400 = "config.errors.handler400"
handler403 = "config.errors.handler403"
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"

urlpatterns = [
    path("", include("workshop.urls")),
    path("session/", include("sessions_demo.urls")),
    path("jwt/", include("jwt_demo.urls")),
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/console/", include("console.urls")),
    path("admin/", admin.site.urls),
]
