"""The benchmark's URLconf (wiring, kept in config): every route of the project, plus reference doors for `authbench`.

- `/bench/baseline/api/`: the resources behind `AssertedUserAuthentication` (no authentication at all);
- `/bench/simplejwt/api/`: behind simplejwt's stock `JWTAuthentication` (verify, then load the user);
- `/bench/drf-token/api/` and `/bench/drf-token/token/`: behind DRF's `TokenAuthentication`, with DRF's own
  `obtain_auth_token` login.

Used through `ROOT_URLCONF` only by the benchmark: in-process with `override_settings`, over HTTP by the
loopback servers configured by `config.bench_settings`.
"""

from django.urls import include, path
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

from bench.authentication import AssertedUserAuthentication
from config import urls as project
from resources.api import resource_urlpatterns

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500

urlpatterns = [
    path("bench/baseline/api/", include(resource_urlpatterns(
        authentication_classes=[AssertedUserAuthentication], name_prefix="bench-baseline"))),
    path("bench/simplejwt/api/", include(resource_urlpatterns(
        authentication_classes=[SimpleJWTAuthentication], name_prefix="bench-simplejwt"))),
    path("bench/drf-token/api/", include(resource_urlpatterns(
        authentication_classes=[TokenAuthentication], name_prefix="bench-drf-token"))),
    path("bench/drf-token/token/", obtain_auth_token, name="bench-drf-token-obtain"),
    *project.urlpatterns,
]
