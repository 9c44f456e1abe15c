from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from httpkit.errors import api_urls
from httpkit.health import healthz
from jwt_demo.authentication import RejectInvalidBearer
from jwt_demo.views import JWKSView
from resources.api import resource_urlpatterns
from sessions_demo.authentication import SessionAuthentication

handler400 = "httpkit.errors.handler400"
handler403 = "httpkit.errors.handler403"
handler404 = "httpkit.errors.handler404"
handler500 = "httpkit.errors.handler500"

urlpatterns = [
    path("", include("workshop.urls")),
    # The same resources through the session door: a session cookie (with CSRF on writes), and a Bearer token that
    # fails verification is refused even beside a valid cookie (API.md).
    api_urls(path("session/api/", include((resource_urlpatterns(
        authentication_classes=[RejectInvalidBearer, SessionAuthentication], name_prefix="api"), "session-api")))),
    path("session/", include("sessions_demo.urls")),
    api_urls(path("jwt/", include("jwt_demo.urls"))),
    api_urls(path(".well-known/", include([path("jwks.json", JWKSView.as_view(), name="jwks")]))),
    path("healthz", healthz, name="healthz"),
    api_urls(path("api/", include([
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        # Swagger UI inside a page of Token Lab's (a language, a link home): templates/api/docs.html.
        path("docs/", SpectacularSwaggerView.as_view(url_name="schema", template_name="api/docs.html"),
             name="api-docs"),
    ]))),
    path("admin/console/", include("console.urls")),
    path("admin/", admin.site.urls),
]
